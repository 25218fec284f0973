//! version (being written).
