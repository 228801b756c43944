/** The app's own validation messages, one voice: a sentence that says what to do. */
export const DEVICE_NAME_REQUIRED = 'Enter a name for your device.';
export const DEVICE_NAME_TOO_LONG = 'Use at most 64 characters for the device name.';
export const DEVICE_NAME_CONTROL_CHARACTERS = 'Use letters, numbers and punctuation only in the device name.';
export const CODE_FORMAT = 'Enter the 6-digit code from the email.';
