//! Integration tests of the web app: one binary, the bundled sample loaded once.

mod support;

mod access;
mod alerts;
mod booklet;
mod browser;
mod dates;
mod differencing;
mod exports;
mod fuzz;
mod hardening;
mod japanese;
mod lake;
mod packs;
mod pages;
mod renewals;
mod sections;
mod security;
mod upload;
mod warmup;
