//! The role policy table: which roles may demand ID and which purposes a registration in each
//! role may cover. The table is data (`roles.json`, compiled in), not code.

use std::sync::OnceLock;

use serde::Deserialize;

/// One role of the policy table.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Role {
    /// Short identifier (also the message key suffix `role-<id>`).
    pub id: String,
    /// The entitlement URI a registration carries for this role.
    pub entitlement: String,
    /// Whether a verifier in this role may demand the citizen's ID. When false the consent
    /// says plainly that the citizen does not have to share.
    pub may_demand_id: bool,
    /// The purposes (intended use identifiers) a registration in this role may cover.
    pub purposes: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Table {
    roles: Vec<Role>,
}

/// The table's source.
pub const SOURCE: &str = include_str!("roles.json");

/// The parsed table (empty if the compiled-in source failed to parse, which a test rules
/// out: with no roles, no registration covers any purpose, so nothing is shown as registered).
pub fn roles() -> &'static [Role] {
    static ROLES: OnceLock<Vec<Role>> = OnceLock::new();
    ROLES.get_or_init(|| {
        serde_json::from_str::<Table>(SOURCE)
            .map(|t| t.roles)
            .unwrap_or_default()
    })
}

/// The roles whose entitlement is among `entitlements`.
pub fn roles_for<'a>(entitlements: &'a [String]) -> impl Iterator<Item = &'static Role> + 'a {
    roles()
        .iter()
        .filter(move |r| entitlements.contains(&r.entitlement))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_parses_and_police_may_not_demand() {
        let table: Table = serde_json::from_str(SOURCE).unwrap();
        assert_eq!(roles(), table.roles.as_slice());
        let police = roles().iter().find(|r| r.id == "police").unwrap();
        assert!(!police.may_demand_id);
        let employer = roles().iter().find(|r| r.id == "employer").unwrap();
        assert!(employer.may_demand_id);
        assert_eq!(employer.purposes, ["right_to_work"]);
        let ids: Vec<&str> = roles().iter().map(|r| r.id.as_str()).collect();
        let mut unique = ids.clone();
        unique.dedup();
        assert_eq!(ids, unique);
    }
}
