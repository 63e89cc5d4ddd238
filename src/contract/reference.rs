//! The key reference of `docs/contract.md`: every key of a contract with the kind of value it
//! takes and what it means, written from the JSON Schema, whose descriptions are the doc
//! comments of `raw.rs`. One text feeds the editor (the schema) and the page, so neither can
//! drift from the other; `slacredit schema --reference` prints it and a test holds the page to it.

use std::fmt::Write as _;

use serde_json::{Map, Value};

/// The key reference as a Markdown table: key path (`services[].availability.target`), the kind
/// of value, the description; in schema order, each object's keys after the key that holds it.
pub fn key_reference(schema: &Value) -> String {
    let mut walker = Walker {
        definitions: schema.get("$defs").and_then(Value::as_object),
        rows: Vec::new(),
    };
    walker.object(schema, "", &mut Vec::new());
    let mut text = String::from("| key | value | meaning |\n|---|---|---|\n");
    for (path, kind, description) in walker.rows {
        let _ = writeln!(text, "| `{path}` | {kind} | {} |", cell(&description));
    }
    text
}

/// A description on one table line: line breaks joined, `|` escaped.
fn cell(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

struct Walker<'a> {
    definitions: Option<&'a Map<String, Value>>,
    /// Key path, kind of value, description.
    rows: Vec<(String, String, String)>,
}

impl<'a> Walker<'a> {
    /// The definition a `$ref` names.
    fn definition(&self, node: &'a Value) -> Option<(&'a str, &'a Value)> {
        let name = node.get("$ref")?.as_str()?.strip_prefix("#/$defs/")?;
        Some((name, self.definitions?.get(name)?))
    }

    /// `node` with a `$ref` or an `anyOf`/`oneOf` of one schema and `null` resolved: the
    /// schema that says what the value is, and the name of its definition if it has one.
    fn resolved(&self, node: &'a Value) -> (Option<&'a str>, &'a Value) {
        if let Some((name, definition)) = self.definition(node) {
            return (Some(name), definition);
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(choices) = node.get(key).and_then(Value::as_array) {
                let real: Vec<&Value> = choices
                    .iter()
                    .filter(|choice| choice.get("type") != Some(&Value::from("null")))
                    .collect();
                if let [only] = real.as_slice() {
                    return self.resolved(only);
                }
            }
        }
        (None, node)
    }

    /// The rows of an object's properties and of the objects below them. `seen` holds the
    /// definitions on the way down, so a schema that refers to itself ends.
    fn object(&mut self, node: &'a Value, path: &str, seen: &mut Vec<&'a str>) {
        if let Some(properties) = node.get("properties").and_then(Value::as_object) {
            for (key, property) in properties {
                let at = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                self.key(property, &at, seen);
            }
        }
        if let Some(values) = node
            .get("additionalProperties")
            .filter(|value| value.is_object())
        {
            let at = format!("{path}.<name>");
            self.key(values, &at, seen);
        }
    }

    /// The row of one key, then the keys below it.
    fn key(&mut self, property: &'a Value, path: &str, seen: &mut Vec<&'a str>) {
        let (name, schema) = self.resolved(property);
        let description = property
            .get("description")
            .or_else(|| schema.get("description"))
            .and_then(Value::as_str)
            .unwrap_or("One entry of the mapping above.");
        self.rows.push((
            path.to_owned(),
            self.kind(name, schema),
            description.to_owned(),
        ));
        if name.is_some_and(|name| seen.contains(&name)) {
            return;
        }
        seen.extend(name);
        let (item_name, items) = match schema.get("items") {
            Some(items) => self.resolved(items),
            None => (None, schema),
        };
        let below = if schema.get("items").is_some() {
            format!("{path}[]")
        } else {
            path.to_owned()
        };
        seen.extend(item_name);
        self.object(items, &below, seen);
        // Calendars and other choices: the object among them.
        for choice in ["oneOf", "anyOf"]
            .iter()
            .filter_map(|key| items.get(*key).and_then(Value::as_array))
            .flatten()
        {
            let (choice_name, choice) = self.resolved(choice);
            if choice_name.is_some_and(|name| seen.contains(&name)) {
                continue;
            }
            seen.extend(choice_name);
            self.object(choice, &below, seen);
            seen.truncate(seen.len() - usize::from(choice_name.is_some()));
        }
        seen.truncate(seen.len() - usize::from(item_name.is_some()) - usize::from(name.is_some()));
    }

    /// The kind of value a key takes, in words: the definition's name for the shared ones
    /// (duration, amount …), the values of an enum, or the JSON type.
    fn kind(&self, name: Option<&str>, schema: &'a Value) -> String {
        let named = match name {
            Some("Duration") => "duration (`4h`, `1h30m`)",
            Some("Money") => "amount (`42000.00`)",
            Some("Amount") => "amount or percentage of the fee",
            Some("StatedAmount") => {
                "percentage of the fee (`20%`) or amount with its currency (`20.00 EUR`)"
            }
            Some("Percent") => "percentage",
            Some("Decimal" | "Weight") => "number",
            Some("Date") => "date (`2026-01-01`)",
            Some("Clock") => "time of day (`HH:MM`)",
            Some("Days") => "days (`mon-fri`)",
            Some("TimeZone") => "IANA time zone",
            Some("Currency") => "ISO 4217 code",
            Some("Identifier") => "id",
            Some("CalendarName") => "calendar name",
            _ => "",
        };
        if !named.is_empty() {
            return named.to_owned();
        }
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            let values: Vec<String> = values
                .iter()
                .filter_map(Value::as_str)
                .map(|value| format!("`{value}`"))
                .collect();
            return format!("one of {}", values.join(", "));
        }
        let types: Vec<&str> = match schema.get("type") {
            Some(Value::String(one)) => vec![one.as_str()],
            Some(Value::Array(several)) => several.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let words: Vec<&str> = types
            .into_iter()
            .filter(|kind| *kind != "null")
            .map(|kind| match kind {
                "array" => "list",
                "object" => "mapping",
                "string" => "text",
                "integer" => "whole number",
                other => other,
            })
            .collect();
        if !words.is_empty() {
            return words.join(" or ");
        }
        // A choice of schemas (`24x7` or opening hours): each choice's kind.
        let choices: Vec<String> = ["oneOf", "anyOf"]
            .iter()
            .filter_map(|key| schema.get(*key).and_then(Value::as_array))
            .flatten()
            .map(|choice| {
                if let Some(constant) = choice.get("const").and_then(Value::as_str) {
                    format!("`{constant}`")
                } else {
                    let (name, choice) = self.resolved(choice);
                    self.kind(name, choice)
                }
            })
            .collect();
        if choices.is_empty() {
            "text".to_owned()
        } else {
            choices.join(" or ")
        }
    }
}
