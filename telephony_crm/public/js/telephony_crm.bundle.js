import "./availability/navbar_status";
import "./line_status/navbar_handset";
import "./call_popup/call_popups";
import "./click_to_call";
import "./recording_player";
import "./softphone/loader";
import "./reports/call_filters";
