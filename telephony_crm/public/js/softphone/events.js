// Triggered on document, with the line's state, whenever the browser line or one of its calls changes.
export const SOFTPHONE_EVENT = "telephony_crm:softphone";
