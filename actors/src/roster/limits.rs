//! The limits of management calls on groups and chatrooms, with one
//! wording: how many users one call names, and how long each text field
//! may be (Easemob's defaults). Enforced by the entities.

use crate::error::DomainError;

/// Most users one batch call names.
pub const MAX_BATCH: usize = 60;

/// A text field of a group or room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Name,
    Description,
    Announcement,
    Custom,
}

impl Field {
    /// Most characters of the field.
    pub fn max(self) -> usize {
        match self {
            Field::Name => 128,
            Field::Description => 512,
            Field::Announcement => 512,
            Field::Custom => 1024,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Description => "description",
            Field::Announcement => "announcement",
            Field::Custom => "custom",
        }
    }
}

/// Refuses `value` when it is longer than `field` allows.
pub fn check_text(field: Field, value: &str) -> Result<(), DomainError> {
    if value.chars().count() > field.max() {
        return Err(DomainError::InvalidArgument(format!(
            "{} must be at most {} characters",
            field.as_str(),
            field.max()
        )));
    }
    Ok(())
}

/// Checks the text fields a group or room is created with.
pub fn check_new(name: &str, description: &str, custom: &str) -> Result<(), DomainError> {
    check_text(Field::Name, name)?;
    check_text(Field::Description, description)?;
    check_text(Field::Custom, custom)
}

/// Refuses a batch that names no user or more than [`MAX_BATCH`].
pub fn check_batch(users: &[String]) -> Result<(), DomainError> {
    if users.is_empty() || users.len() > MAX_BATCH {
        return Err(DomainError::InvalidArgument(format!(
            "name 1-{MAX_BATCH} users per call"
        )));
    }
    Ok(())
}
