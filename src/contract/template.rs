//! The opening and closing paragraphs of a claim document (`credits.claim.template`): text with
//! placeholders such as `{provider}` or `{total}`, parsed once when the contract is loaded so an
//! unknown placeholder is a contract error, and filled in by the renderers.

use std::fmt;

/// What a placeholder stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// The party that owes the credits.
    Provider,
    /// The party they are owed to.
    Customer,
    /// The contract id.
    Contract,
    /// The contract title.
    Title,
    /// The period claimed, e.g. `2026-10`.
    Period,
    /// The amount claimed, in the currency's minor units.
    Total,
    /// The ISO 4217 code.
    Currency,
    /// The claim-by date (`YYYY-MM-DD`); a template may use it only when `claim.within` is set.
    ClaimBy,
}

impl Field {
    /// Every field, in the order the documentation lists them.
    pub const ALL: [Self; 8] = [
        Self::Provider,
        Self::Customer,
        Self::Contract,
        Self::Title,
        Self::Period,
        Self::Total,
        Self::Currency,
        Self::ClaimBy,
    ];

    /// The placeholder's name, as written between braces.
    pub fn name(self) -> &'static str {
        match self {
            Self::Provider => "provider",
            Self::Customer => "customer",
            Self::Contract => "contract",
            Self::Title => "title",
            Self::Period => "period",
            Self::Total => "total",
            Self::Currency => "currency",
            Self::ClaimBy => "claim_by",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|field| field.name() == name)
    }
}

/// One piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Text as it is (`{{` and `}}` already read as single braces).
    Text(String),
    /// A placeholder.
    Field(Field),
}

/// A paragraph with placeholders, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// The pieces in order.
    pub parts: Vec<Part>,
}

/// Why a template cannot be read, and where in its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    /// Byte offset in the template's text of what is wrong (the `{` of a placeholder, or a
    /// lone `}`).
    pub offset: usize,
    /// What is wrong.
    pub problem: Problem,
}

/// What is wrong with a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// `{name}` with a name that is not a placeholder.
    Unknown(String),
    /// A `{` with no `}` after it.
    Unclosed,
    /// A `}` that closes nothing.
    LoneClose,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.problem {
            Problem::Unknown(name) => write!(formatter, "unknown placeholder `{{{name}}}`"),
            Problem::Unclosed => {
                formatter.write_str("`{` opens a placeholder that is never closed")
            }
            Problem::LoneClose => formatter.write_str("`}` closes no placeholder"),
        }
    }
}

impl Template {
    /// Reads `text`: `{name}` is a placeholder (see [`Field`]), `{{` and `}}` are literal braces.
    ///
    /// # Errors
    /// The first unknown placeholder, unclosed `{` or lone `}`, with its offset.
    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut rest = text.char_indices().peekable();
        while let Some((offset, character)) = rest.next() {
            match character {
                '{' if rest.peek().is_some_and(|&(_, next)| next == '{') => {
                    rest.next();
                    literal.push('{');
                }
                '}' if rest.peek().is_some_and(|&(_, next)| next == '}') => {
                    rest.next();
                    literal.push('}');
                }
                '{' => {
                    let name_start = offset + 1;
                    let Some(length) = text[name_start..].find('}') else {
                        return Err(TemplateError {
                            offset,
                            problem: Problem::Unclosed,
                        });
                    };
                    let name = &text[name_start..name_start + length];
                    let field = Field::from_name(name).ok_or_else(|| TemplateError {
                        offset,
                        problem: Problem::Unknown(name.to_owned()),
                    })?;
                    if !literal.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut literal)));
                    }
                    parts.push(Part::Field(field));
                    // Skip the name and its `}`.
                    while rest.next_if(|&(at, _)| at <= name_start + length).is_some() {}
                }
                '}' => {
                    return Err(TemplateError {
                        offset,
                        problem: Problem::LoneClose,
                    });
                }
                other => literal.push(other),
            }
        }
        if !literal.is_empty() {
            parts.push(Part::Text(literal));
        }
        Ok(Self { parts })
    }

    /// Whether the template uses `field`.
    pub fn uses(&self, field: Field) -> bool {
        self.parts.contains(&Part::Field(field))
    }

    /// The text with each placeholder replaced by `value(field)`.
    pub fn fill(&self, value: impl Fn(Field) -> String) -> String {
        let mut text = String::new();
        for part in &self.parts {
            match part {
                Part::Text(literal) => text.push_str(literal),
                Part::Field(field) => text.push_str(&value(*field)),
            }
        }
        text
    }
}

/// A regular expression that matches exactly the texts [`Template::parse`] accepts, for the
/// JSON Schema, built from [`Field::ALL`] so the two cannot drift apart.
pub fn pattern() -> String {
    let names: Vec<&str> = Field::ALL.into_iter().map(Field::name).collect();
    format!(
        "^([^{{}}]|\\{{\\{{|\\}}\\}}|\\{{({})\\}})*$",
        names.join("|")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_and_literal_braces() {
        let template =
            Template::parse("Dear {provider}: {{x}} {total} {currency}.").expect("valid");
        let filled = template.fill(|field| match field {
            Field::Provider => "Acme".to_owned(),
            Field::Total => "8100.00".to_owned(),
            Field::Currency => "EUR".to_owned(),
            _ => "?".to_owned(),
        });
        assert_eq!(filled, "Dear Acme: {x} 8100.00 EUR.");
        assert!(template.uses(Field::Total));
        assert!(!template.uses(Field::ClaimBy));
        // A value that looks like a placeholder is not read again.
        let echo = Template::parse("{title}").expect("valid");
        assert_eq!(echo.fill(|_| "{provider}".to_owned()), "{provider}");
    }

    #[test]
    fn mistakes_are_placed_at_their_brace() {
        // `é` is two bytes: offsets count bytes.
        assert_eq!(
            Template::parse("Café {totl} x"),
            Err(TemplateError {
                offset: 6,
                problem: Problem::Unknown("totl".to_owned())
            })
        );
        assert_eq!(
            Template::parse("a {total").map_err(|error| (error.offset, error.problem)),
            Err((2, Problem::Unclosed))
        );
        assert_eq!(
            Template::parse("a } b").map_err(|error| (error.offset, error.problem)),
            Err((2, Problem::LoneClose))
        );
        assert_eq!(
            Template::parse("{}").map_err(|error| error.problem),
            Err(Problem::Unknown(String::new()))
        );
    }

    #[test]
    fn the_schema_pattern_is_built_from_every_placeholder() {
        let pattern = pattern();
        assert!(pattern.contains("claim_by"));
        // tests/schema.rs runs it against contracts; here its shape.
        assert!(pattern.starts_with("^([^{}]|\\{\\{|\\}\\}|\\{(provider|"));
        assert!(pattern.ends_with(")\\})*$"));
    }
}
