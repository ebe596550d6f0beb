import "./availability/navbar_status";
import "./call_popup/call_popups";
import "./click_to_call";
import "./recording_player";
