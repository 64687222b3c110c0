//! curvecheck: reads neural-network training logs, finds what went wrong in
//! the learning curves, and says why and what to try.
//!
//! The pipeline, one module per stage:
//! [`ingest`] (any format → [`model::Run`]) → [`smooth`] → [`rules`] → [`report`].

#[doc(hidden)]
pub mod cli;
#[doc(hidden)]
pub mod commands;
#[doc(hidden)]
pub mod config;
pub mod diagnosis;
pub mod ingest;
pub mod model;
#[doc(hidden)]
pub mod parallel;
#[doc(hidden)]
pub mod progress;
pub mod render;
pub mod report;
pub mod rules;
pub mod smooth;
