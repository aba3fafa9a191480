//! Device calendars for the desktop and the tests: a vdir folder (one `.ics` per event) and
//! a single `.ics` file.
