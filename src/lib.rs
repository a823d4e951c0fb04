//! foureyes reviews infrastructure changes for segregation of duties: who gains which
//! privilege, and whether one identity could both change privilege and hide the evidence.
//!
//! The review is a one-way pipeline (see DESIGN.md):
//! `load → normalize → resolve → extract → delta → classify → judge → render`.

pub(crate) mod classify;
pub mod cli;
pub(crate) mod config;
pub(crate) mod controls;
pub(crate) mod coverage;
pub(crate) mod delta;
pub(crate) mod escape;
pub mod exit;
pub(crate) mod extract;
pub(crate) mod glob;
pub(crate) mod hook;
pub(crate) mod judge;
pub(crate) mod load;
pub(crate) mod model;
pub(crate) mod normalize;
pub(crate) mod privilege;
pub(crate) mod publish;
pub(crate) mod render;
pub(crate) mod resolve;
pub(crate) mod review;
pub(crate) mod rules;
pub(crate) mod ruleset;
pub(crate) mod stores;
