//! Texts with placeholders a contract writes: the opening and closing paragraphs of a claim
//! document (`credits.claim.template`, placeholders such as `{provider}` or `{total}`) and the
//! reference of an invoice line (`invoice.reference`, such as `{contract}-{period}-{n}`). Each is
//! parsed once when the contract is loaded, so an unknown placeholder is a contract error, and
//! filled in later.

use std::fmt;

/// The placeholders one kind of template takes.
pub trait Placeholder: Copy + Eq + 'static {
    /// Every placeholder, in the order the documentation lists them.
    const ALL: &'static [Self];

    /// The placeholder's name, as written between braces.
    fn name(self) -> &'static str;

    /// Every name, in the order of [`Self::ALL`].
    fn names() -> Vec<&'static str> {
        Self::ALL.iter().map(|field| field.name()).collect()
    }
}

/// What a placeholder of a claim paragraph stands for.
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

impl Placeholder for Field {
    const ALL: &'static [Self] = &[
        Self::Provider,
        Self::Customer,
        Self::Contract,
        Self::Title,
        Self::Period,
        Self::Total,
        Self::Currency,
        Self::ClaimBy,
    ];

    fn name(self) -> &'static str {
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
}

/// What a placeholder of an invoice line's reference (`invoice.reference`) stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferenceField {
    /// The contract id.
    Contract,
    /// The period, e.g. `2026-10` or `2026-Q4`.
    Period,
    /// The service id of the line.
    Service,
    /// The rule id of the line.
    Rule,
    /// The line's number within its contract and period, from 1, in the order the lines are
    /// written.
    Number,
}

impl Placeholder for ReferenceField {
    const ALL: &'static [Self] = &[
        Self::Contract,
        Self::Period,
        Self::Service,
        Self::Rule,
        Self::Number,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::Contract => "contract",
            Self::Period => "period",
            Self::Service => "service",
            Self::Rule => "rule",
            Self::Number => "n",
        }
    }
}

/// The placeholder called `name`, if `F` has one.
fn from_name<F: Placeholder>(name: &str) -> Option<F> {
    F::ALL.iter().copied().find(|field| field.name() == name)
}

/// One piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part<F = Field> {
    /// Text as it is (`{{` and `}}` already read as single braces).
    Text(String),
    /// A placeholder.
    Field(F),
}

/// A text with placeholders of `F` (a claim paragraph by default), checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template<F = Field> {
    /// The pieces in order.
    pub parts: Vec<Part<F>>,
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

impl<F: Placeholder> Template<F> {
    /// Reads `text`: `{name}` is a placeholder (one of `F`), `{{` and `}}` are literal braces.
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
                    let field = from_name::<F>(name).ok_or_else(|| TemplateError {
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
    pub fn uses(&self, field: F) -> bool {
        self.parts.contains(&Part::Field(field))
    }

    /// The text with each placeholder replaced by `value(field)`.
    pub fn fill(&self, value: impl Fn(F) -> String) -> String {
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

/// A regular expression that matches exactly the texts [`Template::parse`] accepts for the
/// placeholders of `F`, for the JSON Schema, built from [`Placeholder::ALL`] so the two cannot
/// drift apart.
pub fn pattern<F: Placeholder>() -> String {
    let names = F::names();
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
            Template::<Field>::parse("Dear {provider}: {{x}} {total} {currency}.").expect("valid");
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
        let echo = Template::<Field>::parse("{title}").expect("valid");
        assert_eq!(echo.fill(|_| "{provider}".to_owned()), "{provider}");
    }

    #[test]
    fn mistakes_are_placed_at_their_brace() {
        // `é` is two bytes: offsets count bytes.
        assert_eq!(
            Template::<Field>::parse("Café {totl} x"),
            Err(TemplateError {
                offset: 6,
                problem: Problem::Unknown("totl".to_owned())
            })
        );
        assert_eq!(
            Template::<Field>::parse("a {total").map_err(|error| (error.offset, error.problem)),
            Err((2, Problem::Unclosed))
        );
        assert_eq!(
            Template::<Field>::parse("a } b").map_err(|error| (error.offset, error.problem)),
            Err((2, Problem::LoneClose))
        );
        assert_eq!(
            Template::<Field>::parse("{}").map_err(|error| error.problem),
            Err(Problem::Unknown(String::new()))
        );
    }

    #[test]
    fn a_reference_takes_its_own_placeholders() {
        let reference =
            Template::<ReferenceField>::parse("{contract}-{period}-{n}").expect("valid");
        let filled = reference.fill(|field| match field {
            ReferenceField::Contract => "ACME".to_owned(),
            ReferenceField::Period => "2026-10".to_owned(),
            ReferenceField::Number => "3".to_owned(),
            ReferenceField::Service | ReferenceField::Rule => "?".to_owned(),
        });
        assert_eq!(filled, "ACME-2026-10-3");
        // A claim paragraph's placeholder is not a reference's, and `{n}` not a paragraph's.
        assert_eq!(
            Template::<ReferenceField>::parse("{total}").map_err(|error| error.problem),
            Err(Problem::Unknown("total".to_owned()))
        );
        assert!(Template::<Field>::parse("{n}").is_err());
        assert!(pattern::<ReferenceField>().contains("|n)"));
    }

    #[test]
    fn the_schema_pattern_is_built_from_every_placeholder() {
        let pattern = pattern::<Field>();
        assert!(pattern.contains("claim_by"));
        // tests/schema.rs runs it against contracts; here its shape.
        assert!(pattern.starts_with("^([^{}]|\\{\\{|\\}\\}|\\{(provider|"));
        assert!(pattern.ends_with(")\\})*$"));
    }
}
