//! The one home of exact numbers: `Decimal` amounts and percentages, their parsing, and rounding.
//!
//! Nothing in slacredit that decides a breach or an amount goes through `f64`. Contract text such
//! as `99.9`, `"99.9"`, `99.9%` or `42000.10` is parsed straight from its characters.

use std::fmt;
use std::str::FromStr;

pub use rust_decimal::Decimal;
use rust_decimal::RoundingStrategy;
use serde::Serialize;

/// One hundred, the scale of a percentage.
pub const HUNDRED: Decimal = Decimal::ONE_HUNDRED;

/// The largest number a contract may state: a trillion. Far above any real fee, and with
/// percentages held to [`LARGEST_PERCENT`] the calculation's largest product (fee × percentage
/// × a billion breaches) stays below 10^25, far inside `Decimal`'s range.
pub const LARGEST: Decimal = Decimal::from_parts(0xD4A5_1000, 0xE8, 0, false, 0);

/// The largest percentage a credit or cap may state.
pub const LARGEST_PERCENT: Decimal = Decimal::from_parts(1_000, 0, 0, false, 0);

/// The largest multiplier an escalation or `downtime_multiple` rule may state. Real contracts
/// escalate by 1.5 to 3 and credit 10 to 30 times the downtime; with it, one priced breach stays
/// inside `Decimal` whatever the export says: the largest rate (a quarter's fee, 3 × 10^12, at
/// 1000 %) times the most one-second units of lateness two instants can be apart (chrono's
/// ±262,143 years, under 1.7 × 10^13 s) times 100 is under 5 × 10^28, below `Decimal`'s
/// 7.9 × 10^28.
pub const LARGEST_MULTIPLIER: Decimal = Decimal::from_parts(100, 0, 0, false, 0);

/// The most one credit line may come to before caps: 10^18, a million times [`LARGEST`]. Only a
/// line summing breaches priced near the bound of [`LARGEST_MULTIPLIER`] can reach it; such a
/// line is held there, so that summing lines (a billion of them at most, each at most this)
/// stays below 10^27, inside `Decimal`, and no sum of money in the calculation can overflow.
pub const LARGEST_LINE: Decimal = Decimal::from_parts(0xA764_0000, 0x0DE0_B6B3, 0, false, 0);

/// `amounts` summed, held at [`LARGEST_LINE`]: the total of one credit line before caps.
pub fn line_total(amounts: impl IntoIterator<Item = Decimal>) -> Decimal {
    amounts.into_iter().fold(Decimal::ZERO, |sum, amount| {
        sum.saturating_add(amount).min(LARGEST_LINE)
    })
}

/// Parses a multiplier: a plain non-negative decimal of at most [`LARGEST_MULTIPLIER`].
pub fn parse_multiplier(text: &str) -> Result<Decimal, String> {
    let value = parse_decimal(text)?;
    if value.is_sign_negative() {
        return Err(format!("`{value}` is negative"));
    }
    if value > LARGEST_MULTIPLIER {
        return Err(format!(
            "`{text}` is more than {LARGEST_MULTIPLIER}, the largest multiplier a contract may state"
        ));
    }
    Ok(value)
}

/// Whether `value` is above zero: a sign and zero test, cheaper than comparing with
/// `Decimal::ZERO` (which aligns the scales first), for checks made on every incident.
pub fn is_positive(value: Decimal) -> bool {
    value.is_sign_positive() && !value.is_zero()
}

/// Parses a plain decimal number such as `42000.10` or `-3`; no exponent, no thousands separator,
/// at most [`LARGEST`] in size.
pub fn parse_decimal(text: &str) -> Result<Decimal, String> {
    let trimmed = text.trim();
    let plain = trimmed
        .strip_prefix('+')
        .unwrap_or(trimmed)
        .chars()
        .enumerate()
        .all(|(index, c)| c.is_ascii_digit() || c == '.' || (index == 0 && c == '-'));
    if trimmed.is_empty() || !plain || trimmed.matches('.').count() > 1 {
        return Err(format!(
            "`{text}` is not a decimal number (write it like `42000.10`)"
        ));
    }
    let value = Decimal::from_str(trimmed.strip_prefix('+').unwrap_or(trimmed))
        .map_err(|_| format!("`{text}` is not a decimal number (write it like `42000.10`)"))?;
    if value.abs() > LARGEST {
        return Err(format!(
            "`{text}` is larger than 1,000,000,000,000 (10^12), the largest number a contract may state"
        ));
    }
    if value.scale() > 10 {
        return Err(format!(
            "`{text}` has more than 10 decimal places, the most a contract may state"
        ));
    }
    Ok(value)
}

/// Parses a percentage written `99.9` or `99.9%`; the result is in percent (99.9, not 0.999).
pub fn parse_percent(text: &str) -> Result<Decimal, String> {
    let trimmed = text.trim();
    parse_decimal(trimmed.strip_suffix('%').unwrap_or(trimmed))
}

/// A credit or cap as contracts word it: a fixed amount, or a percentage of the service fee.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Amount {
    /// A fixed amount in the contract's currency.
    Fixed(Decimal),
    /// A percentage of the fee (25 means 25 %).
    PercentOfFee(Decimal),
}

impl Amount {
    /// Parses an amount as a contract writes it: `25%` (a percentage of the fee), `500.00 EUR`
    /// (the number, one space, the contract's currency code), or a bare `500.00`, which
    /// `bare` says is a fixed amount or an error. Negative values are rejected, and so is a
    /// currency code other than the contract's.
    pub fn parse(
        text: &str,
        denomination: Denomination<'_>,
        bare: BareNumber,
    ) -> Result<Self, AmountError> {
        let trimmed = text.trim();
        let (amount, stated) = if let Some(percent) = trimmed.strip_suffix('%') {
            (Self::PercentOfFee(parse_decimal(percent)?), true)
        } else if let Some(number) = strip_currency(text, trimmed, denomination)? {
            (Self::Fixed(parse_decimal(number)?), true)
        } else if trimmed
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '+' | '-'))
        {
            (Self::Fixed(parse_decimal(trimmed)?), false)
        } else {
            return Err(not_an_amount(text, denomination));
        };
        if amount.number().is_sign_negative() {
            return Err(
                format!("`{text}` is negative; credits and caps are never negative").into(),
            );
        }
        if matches!(amount, Self::PercentOfFee(percent) if percent > LARGEST_PERCENT) {
            return Err(format!("`{text}` is more than {LARGEST_PERCENT}% of the fee").into());
        }
        if !stated && bare == BareNumber::Ambiguous {
            let number = amount.number();
            let as_amount = denomination.written(number);
            return Err(AmountError {
                message: format!(
                    "`{trimmed}` is ambiguous: write `{number}%` for a share of the fee or `{as_amount}` for an amount"
                ),
                hint: Some(format!(
                    "a bare number here used to be read as an amount: `{as_amount}` keeps what the contract paid until now"
                )),
            });
        }
        Ok(amount)
    }

    /// The number as written, without its unit.
    pub fn number(self) -> Decimal {
        match self {
            Self::Fixed(value) | Self::PercentOfFee(value) => value,
        }
    }

    /// The money this stands for against `fee`.
    pub fn of_fee(self, fee: Decimal) -> Decimal {
        match self {
            Self::Fixed(value) => value,
            Self::PercentOfFee(percent) => fee * percent / HUNDRED,
        }
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Fixed(value) => write!(formatter, "{value}"),
            Self::PercentOfFee(percent) => write!(formatter, "{percent}%"),
        }
    }
}

/// Splits `20.00 EUR` into its number, checking the code against the contract's currency;
/// `None` when `trimmed` ends in no letters (a bare number, left to the caller). `text` is the
/// value as written, for messages.
fn strip_currency<'a>(
    text: &str,
    trimmed: &'a str,
    denomination: Denomination<'_>,
) -> Result<Option<&'a str>, AmountError> {
    let letters = trimmed
        .chars()
        .rev()
        .take_while(char::is_ascii_alphabetic)
        .count();
    if letters == 0 {
        return Ok(None);
    }
    let (head, code) = trimmed.split_at(trimmed.len() - letters);
    let number = head
        .strip_suffix(' ')
        .filter(|number| !number.is_empty() && !number.ends_with(char::is_whitespace));
    let (Some(number), true) = (number, is_currency_code(code)) else {
        return Err(not_an_amount(text, denomination));
    };
    if code != denomination.currency {
        let currency = denomination.currency;
        return Err(AmountError {
            message: format!("`{text}` is in {code}, but the contract's currency is {currency}"),
            hint: Some(format!(
                "every amount of a contract is in its `currency`: write the amount in {currency}"
            )),
        });
    }
    Ok(Some(number))
}

/// The error for `text` that is neither a percentage nor an amount in any form (`€20`,
/// `20.00EUR`, `EUR 20.00`, `half`).
fn not_an_amount(text: &str, denomination: Denomination<'_>) -> AmountError {
    let example = denomination.written(Decimal::from(20));
    AmountError {
        message: format!(
            "`{text}` is not an amount: write a percentage of the fee (`20%`) or the number, one space and the currency code (`{example}`)"
        ),
        hint: None,
    }
}

/// Whether `code` has the shape of an ISO 4217 code: three capital letters.
pub fn is_currency_code(code: &str) -> bool {
    code.len() == 3 && code.chars().all(|c| c.is_ascii_uppercase())
}

/// What a bare number (`20`: no `%`, no currency code) means where an [`Amount`] is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BareNumber {
    /// An amount in the contract's currency: per-breach and per-unit credits and
    /// `max_per_incident`, whose usual wording is `credit: 500.00`.
    Fixed,
    /// An error: caps and band credits, which are as often a percentage, so that `cap: 20` meant
    /// as 20 % cannot quietly cap at 20.00.
    Ambiguous,
}

/// The money a contract states its amounts in: its currency code, and the decimal places its
/// credit lines keep (`credits.rounding.places`), for writing an amount back in a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Denomination<'a> {
    /// ISO 4217 code, as the contract's `currency` says.
    pub currency: &'a str,
    /// Decimal places of an amount: 2 for EUR, 0 for JPY.
    pub places: u32,
}

impl Denomination<'_> {
    /// `number` as an amount in this currency, with at least its places: `20` → `20.00 EUR`
    /// (`20 JPY` with no places). Digits beyond the places are kept, never rounded away.
    pub fn written(self, number: Decimal) -> String {
        let mut number = number;
        if number.scale() < self.places {
            number.rescale(self.places);
        }
        format!("{number} {}", self.currency)
    }
}

/// Why a written amount was refused: the message, and a hint where there is one to give.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmountError {
    /// What is wrong, quoting the value.
    pub message: String,
    /// How to fix it, when the message does not already say.
    pub hint: Option<String>,
}

impl From<String> for AmountError {
    fn from(message: String) -> Self {
        Self {
            message,
            hint: None,
        }
    }
}

impl fmt::Display for AmountError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.message)
    }
}

/// `value` in the minor units of a currency with `places` decimal places: see
/// [`Rounding::minor_units`].
pub fn minor_units(value: Decimal, places: u32) -> Decimal {
    let mut shown = value.normalize();
    if shown.scale() < places {
        shown.rescale(places);
    }
    shown
}

/// How a credit line is rounded: the contract's `credits.rounding`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rounding {
    /// Decimal places kept (2 for EUR and USD).
    pub places: u32,
    /// What happens to a remainder.
    pub mode: RoundingMode,
}

impl Default for Rounding {
    fn default() -> Self {
        Self {
            places: 2,
            mode: RoundingMode::HalfEven,
        }
    }
}

/// The rounding rules contracts name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundingMode {
    /// Banker's rounding: a half goes to the even neighbour (25.025 → 25.02).
    HalfEven,
    /// Commercial rounding: a half goes away from zero (25.025 → 25.03).
    HalfUp,
    /// Truncation toward zero (25.029 → 25.02).
    Down,
}

impl FromStr for RoundingMode {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "half_even" => Ok(Self::HalfEven),
            "half_up" => Ok(Self::HalfUp),
            "down" => Ok(Self::Down),
            other => Err(format!(
                "unknown rounding mode `{other}` (expected half_even, half_up or down)"
            )),
        }
    }
}

impl Rounding {
    /// Rounds `value` to the contract's places with its mode. Called once per credit line.
    pub fn apply(self, value: Decimal) -> Decimal {
        let strategy = match self.mode {
            RoundingMode::HalfEven => RoundingStrategy::MidpointNearestEven,
            RoundingMode::HalfUp => RoundingStrategy::MidpointAwayFromZero,
            RoundingMode::Down => RoundingStrategy::ToZero,
        };
        let mut rounded = value.round_dp_with_strategy(self.places, strategy);
        rounded.rescale(self.places);
        rounded
    }

    /// Rounds toward zero onto the same grid: used for caps, so a rounded line never exceeds one.
    pub fn floor(self, value: Decimal) -> Decimal {
        let mut rounded = value.round_dp_with_strategy(self.places, RoundingStrategy::ToZero);
        rounded.rescale(self.places);
        rounded
    }

    /// `value` as every output writes money: in the currency's minor units, at least the
    /// contract's places (`50` is `50.00`; with 0 places, JPY's `50`), trailing zeros past them
    /// dropped (`5000.00` is `5000` at 0 places). Never rounds: a figure before rounding, such as
    /// a breach's credit before caps, keeps the further places it exactly has (`2.002`).
    pub fn minor_units(self, value: Decimal) -> Decimal {
        minor_units(value, self.places)
    }

    /// A fixed amount as [`Self::minor_units`] writes it; a percentage of the fee as written.
    pub fn minor_units_of(self, amount: Amount) -> Amount {
        match amount {
            Amount::Fixed(value) => Amount::Fixed(self.minor_units(value)),
            Amount::PercentOfFee(_) => amount,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(text: &str) -> Decimal {
        Decimal::from_str(text).expect("test literal is a decimal")
    }

    const EUR: Denomination<'static> = Denomination {
        currency: "EUR",
        places: 2,
    };

    fn amount(text: &str) -> Result<Amount, String> {
        Amount::parse(text, EUR, BareNumber::Fixed).map_err(|error| error.message)
    }

    #[test]
    fn amounts_and_percentages_load_exactly() {
        assert_eq!(parse_percent("99.9"), Ok(dec("99.9")));
        assert_eq!(parse_percent("99.9%"), Ok(dec("99.9")));
        assert_eq!(parse_decimal("42000.10"), Ok(dec("42000.1")));
        // 0.1 + 0.2 is exactly 0.3 in Decimal; in f64 it is 0.30000000000000004.
        assert_eq!(
            parse_decimal("0.1").unwrap() + parse_decimal("0.2").unwrap(),
            dec("0.3")
        );
        assert_eq!(amount("25%"), Ok(Amount::PercentOfFee(dec("25"))));
        assert_eq!(amount("500.00"), Ok(Amount::Fixed(dec("500"))));
        assert_eq!(amount("500.00 EUR"), Ok(Amount::Fixed(dec("500"))));
    }

    #[test]
    fn amounts_are_bounded_so_arithmetic_cannot_overflow() {
        assert_eq!(LARGEST.to_string(), "1000000000000");
        assert_eq!(LARGEST_PERCENT.to_string(), "1000");
        assert!(parse_decimal("1000000000000").is_ok());
        // The message states the real limit, 10^12 (not 10^15 or 10^18).
        assert_eq!(
            parse_decimal("1000000000001"),
            Err("`1000000000001` is larger than 1,000,000,000,000 (10^12), the largest number a contract may state".to_owned())
        );
        assert_eq!(
            parse_decimal("0.00000000001"),
            Err(
                "`0.00000000001` has more than 10 decimal places, the most a contract may state"
                    .to_owned()
            )
        );
        assert_eq!(LARGEST_LINE.to_string(), "1000000000000000000");
        assert_eq!(LARGEST_MULTIPLIER.to_string(), "100");
        assert_eq!(parse_multiplier("100"), Ok(Decimal::ONE_HUNDRED));
        assert_eq!(
            parse_multiplier("1000000000000"),
            Err(
                "`1000000000000` is more than 100, the largest multiplier a contract may state"
                    .to_owned()
            )
        );
        assert_eq!(
            parse_multiplier("-1.5"),
            Err("`-1.5` is negative".to_owned())
        );
        // The largest breach one rule can price: rate 3 × 10^13 (a quarter's fee at 1000 %)
        // × 1.66 × 10^13 one-second units (chrono's whole range of instants) × 100.
        let rate = Decimal::from(3) * LARGEST * LARGEST_PERCENT / HUNDRED;
        let units = Decimal::from(16_600_000_000_000_i64);
        assert!((rate * units).checked_mul(LARGEST_MULTIPLIER).is_some());
        // A line of many such breaches is held at LARGEST_LINE rather than overflowing, and
        // a billion lines at that ceiling still sum inside Decimal.
        let breach = rate * units * LARGEST_MULTIPLIER;
        assert_eq!(line_total([breach, breach, breach]), LARGEST_LINE);
        assert_eq!(line_total([Decimal::ONE, Decimal::TWO]), Decimal::from(3));
        assert!(
            LARGEST_LINE
                .checked_mul(Decimal::from(1_000_000_000))
                .is_some()
        );
        assert!(amount("1001%").unwrap_err().contains("more than 1000%"));
        // The largest product the calculation forms: a quarter's fee (3 × LARGEST) ×
        // LARGEST_PERCENT / 100 × a billion breaches = 3 × 10^22, far below Decimal's 7.9 × 10^28.
        let worst = Decimal::from(3) * LARGEST * LARGEST_PERCENT / HUNDRED;
        assert!(worst.checked_mul(Decimal::from(1_000_000_000)).is_some());
    }

    #[test]
    fn malformed_numbers_are_rejected_with_the_text() {
        for text in ["", "1e3", "1,000.00", "ten", "1.2.3", "%", "--1", "0x10"] {
            assert!(parse_decimal(text).is_err(), "{text} should be rejected");
        }
        assert!(amount("-5%").unwrap_err().contains("negative"));
        assert!(amount("-5 EUR").unwrap_err().contains("negative"));
    }

    #[test]
    fn a_bare_number_is_ambiguous_where_a_percentage_is_as_likely() {
        let ambiguous = |text, denomination| {
            Amount::parse(text, denomination, BareNumber::Ambiguous).map_err(|error| error.message)
        };
        assert_eq!(
            ambiguous("20", EUR),
            Err("`20` is ambiguous: write `20%` for a share of the fee or `20.00 EUR` for an amount".to_owned())
        );
        // The user's own digits are kept: 12.5 is written with two places, 0.125 with three.
        assert!(ambiguous("12.5", EUR).unwrap_err().contains("`12.5%`"));
        assert!(ambiguous("12.5", EUR).unwrap_err().contains("`12.50 EUR`"));
        assert!(ambiguous("0.125", EUR).unwrap_err().contains("`0.125 EUR`"));
        let yen = Denomination {
            currency: "JPY",
            places: 0,
        };
        assert_eq!(
            ambiguous("20", yen),
            Err(
                "`20` is ambiguous: write `20%` for a share of the fee or `20 JPY` for an amount"
                    .to_owned()
            )
        );
        assert_eq!(ambiguous("20%", EUR), Ok(Amount::PercentOfFee(dec("20"))));
        assert_eq!(ambiguous("20.00 EUR", EUR), Ok(Amount::Fixed(dec("20"))));
        assert_eq!(ambiguous("2000 JPY", yen), Ok(Amount::Fixed(dec("2000"))));
    }

    #[test]
    fn an_amount_names_the_contracts_currency_and_no_other() {
        assert_eq!(
            amount("20.00 USD"),
            Err("`20.00 USD` is in USD, but the contract's currency is EUR".to_owned())
        );
        for text in [
            "20.00EUR",
            "20.00  EUR",
            "EUR 20.00",
            "20.00 eur",
            "20.00 EURO",
            "€20",
            "half",
            " EUR",
        ] {
            assert_eq!(
                amount(text),
                Err(format!(
                    "`{text}` is not an amount: write a percentage of the fee (`20%`) or the number, one space and the currency code (`20.00 EUR`)"
                )),
                "{text}"
            );
        }
        // A malformed number keeps the number's own message.
        assert!(
            amount("1.2.3 EUR")
                .unwrap_err()
                .contains("not a decimal number")
        );
    }

    #[test]
    fn a_quarter_of_100_10_rounds_by_the_contracts_rule() {
        // 25 % of 100.10 = 25.025 exactly: a tie at the third place.
        let raw = Amount::PercentOfFee(dec("25")).of_fee(dec("100.10"));
        assert_eq!(raw, dec("25.025"));
        let half_even = Rounding {
            places: 2,
            mode: RoundingMode::HalfEven,
        };
        let half_up = Rounding {
            places: 2,
            mode: RoundingMode::HalfUp,
        };
        let down = Rounding {
            places: 2,
            mode: RoundingMode::Down,
        };
        // half_even keeps the even neighbour 25.02; half_up goes away from zero to 25.03.
        assert_eq!(half_even.apply(raw).to_string(), "25.02");
        assert_eq!(half_up.apply(raw).to_string(), "25.03");
        assert_eq!(down.apply(dec("25.029")).to_string(), "25.02");
        // Rounded lines always carry the currency's places: 30 → "30.00".
        assert_eq!(half_even.apply(dec("30")).to_string(), "30.00");
    }

    #[test]
    fn money_is_written_in_the_currencys_minor_units_and_never_rounded_for_it() {
        let euro = Rounding::default();
        let yen = Rounding {
            places: 0,
            mode: RoundingMode::HalfEven,
        };
        // A contract's `50` is 50.00 euros and 50 yen; its `5000.00` yen is 5000.
        assert_eq!(euro.minor_units(dec("50")).to_string(), "50.00");
        assert_eq!(yen.minor_units(dec("50")).to_string(), "50");
        assert_eq!(yen.minor_units(dec("5000.00")).to_string(), "5000");
        assert_eq!(euro.minor_units(Decimal::ZERO).to_string(), "0.00");
        // 2 % of 100.10 before rounding is 2.002: its third place is kept, not rounded away.
        assert_eq!(euro.minor_units(dec("2.0020")).to_string(), "2.002");
        assert_eq!(
            euro.minor_units_of(Amount::Fixed(dec("1000"))).to_string(),
            "1000.00"
        );
        assert_eq!(
            euro.minor_units_of(Amount::PercentOfFee(dec("10")))
                .to_string(),
            "10%"
        );
    }
}
