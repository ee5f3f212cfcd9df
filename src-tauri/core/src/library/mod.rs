//! Finding photos: walking folders and grouping files into shots.

mod shots;
mod walk;

pub use shots::{group_into_shots, Shot, ShotFile};
pub use walk::{walk, FileKind, WalkEntry};
