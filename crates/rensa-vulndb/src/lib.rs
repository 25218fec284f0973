//! Vulnerability data for rensa: the total order of versions in every ecosystem the catalog reports
//! ([`version`]), severity from CVSS v2/v3.x/v4 vectors and distribution ratings ([`severity`]), and the
//! advisory model with importers for OSV and native distribution feeds ([`advisory`], [`osv`], [`feed`]).
//!
//! The local database ([`db`]: import, index lookups, status, export) holds the advisories, [`update`]
//! downloads OSV archives into it, and the [`matcher`] turns `rensa-catalog` packages and their advisories
//! into findings with statuses, fixed versions, merged ids and severities.

pub mod advisory;
pub mod db;
pub mod error;
pub mod feed;
pub mod matcher;
pub mod osv;
pub mod severity;
pub mod suppress;
pub mod update;
pub mod version;

pub use error::{Error, Result};
