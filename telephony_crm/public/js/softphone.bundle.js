// Loaded by softphone/loader.js only for users with a browser line: the SIP library stays out of the
// desk of everyone else.
import "./softphone/softphone";
