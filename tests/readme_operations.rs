//! The guide's (GUIDE.md) operations table says where each operation goes; it must
//! list every operation of the spec exactly once, with what the client does.

use pictory::{OPERATIONS, ServedBy};

#[test]
fn the_readme_operations_table_matches_the_spec() {
    let readme = include_str!("../GUIDE.md");
    let start = readme
        .find("<!-- operations table")
        .expect("GUIDE.md has the operations table");
    let rows: Vec<Vec<String>> = readme[start..]
        .lines()
        .skip(3) // the marker, the header, the rule
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            l.trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().trim_matches('`').to_string())
                .collect()
        })
        .collect();
    assert_eq!(rows.len(), OPERATIONS.len(), "one row per operation");
    for op in OPERATIONS {
        let row = rows
            .iter()
            .find(|r| r[0] == op.id)
            .unwrap_or_else(|| panic!("{} is not in GUIDE.md's operations table", op.id));
        assert_eq!(row[1], format!("{} {}", op.method, op.path), "{}", op.id);
        let expected = match op.served_by {
            ServedBy::PictoryOnly => "Pictory direct",
            _ => "LowCodeAPI, Pictory direct",
        };
        assert_eq!(row[2], expected, "{}", op.id);
    }
}
