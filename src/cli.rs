//! Command-line shape (clap derive): one variant per subcommand.

use std::path::PathBuf;

use clap::builder::PossibleValuesParser;
use clap::{Args, Parser, Subcommand, ValueEnum, ValueHint};

use slacredit::time::{PeriodRange, PeriodSpec};

/// SLA and service-credit calculator: contracts + incident exports → breach reports and invoice
/// credit lines.
#[derive(Debug, Parser)]
#[command(name = "slacredit", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check contracts, source mapping files and exceptions files; print every problem; exit 1
    /// if any is an error.
    Validate(ValidateArgs),
    /// Breach report: availability, breaches and credits per service, with row accounting.
    Report(CalcArgs),
    /// Invoice credit lines, ready to post.
    Credits(CalcArgs),
    /// Claim documents for one period: per contract that owes credits, a letter to the provider
    /// with each line's arithmetic, the clauses that grant it, the incidents behind it and the
    /// claim-by date.
    Claim(ClaimArgs),
    /// Vendor scorecard over a range: per contract, service, month, quarter or year and
    /// severity, the targets met, times to acknowledge and resolve, availability and credits.
    Scorecard(ScorecardArgs),
    /// What-if: the same incidents under two sets of terms (A: as they are, B: as proposed),
    /// credits, availability and breaches side by side per period and service.
    Compare(CompareArgs),
    /// Month-end reconciliation: the credits owed against the credit notes received, per
    /// contract, period and service, with each shortfall's claim window; exit 1 while a
    /// shortfall can still be claimed.
    Reconcile(ReconcileArgs),
    /// Every step behind one incident's or one service's figures, with the contract clause and
    /// export row each step used.
    Explain(ExplainArgs),
    /// Print the JSON Schema (draft 2020-12) of the contract format, or of mapping files.
    Schema {
        /// Print the schema of source mapping files (`--source FILE`) instead.
        #[arg(long)]
        mapping: bool,
        /// Print the contract key reference (the table in docs/contract.md) as Markdown
        /// instead: every key, its kind of value and its description.
        #[arg(long, conflicts_with = "mapping")]
        reference: bool,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to stdout, or write one page per command into a directory.
    Man {
        /// Write `slacredit.1` and `slacredit-<command>.1` for every subcommand here.
        #[arg(value_name = "DIR", value_hint = ValueHint::DirPath)]
        directory: Option<PathBuf>,
    },
}

/// `slacredit validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Contracts, mapping files and exceptions files, or directories searched for *.yaml and
    /// *.yml. Each file is recognised by its shape unless `--kind` says what they are.
    #[arg(required = true, value_name = "PATH", value_hint = ValueHint::AnyPath)]
    pub paths: Vec<PathBuf>,
    /// Read every file given as this kind rather than recognising it by its shape.
    #[arg(long, value_enum, value_name = "KIND")]
    pub kind: Option<FileKind>,
    /// How to print problems: text (stderr), json or github annotations (stdout).
    #[arg(long, value_enum, default_value_t = ValidateFormat::Text)]
    pub format: ValidateFormat,
    /// Treat warnings as errors (exit 1).
    #[arg(long)]
    pub deny_warnings: bool,
    /// Report only these checks (repeatable; `docs/checks.md` lists them).
    #[arg(
        long = "check",
        value_name = "NAME",
        value_parser = PossibleValuesParser::new(slacredit::check::check_names()),
        hide_possible_values = true
    )]
    pub checks: Vec<String>,
    /// Do not report these checks (repeatable).
    #[arg(
        long = "skip",
        value_name = "NAME",
        value_parser = PossibleValuesParser::new(slacredit::check::check_names()),
        hide_possible_values = true
    )]
    pub skips: Vec<String>,
}

/// What `validate` reads a file as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FileKind {
    /// A contract (`docs/contract.md`).
    Contract,
    /// A source mapping file for `--source` (`docs/sources.md`).
    Mapping,
    /// A signed-off exceptions CSV for `--exceptions`.
    Exceptions,
}

/// Output formats of `validate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ValidateFormat {
    /// `error[check]: file:line:col: message`, the source line, a caret and a hint.
    Text,
    /// A JSON array of diagnostics.
    Json,
    /// GitHub Actions workflow commands (`::error file=…::…`), one per problem.
    Github,
}

/// `report` and `credits`: the inputs and where the output goes.
#[derive(Debug, Args)]
pub struct CalcArgs {
    /// Contracts, exports and periods.
    #[command(flatten)]
    pub inputs: InputArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the output to this file instead of stdout.
    #[arg(short = 'o', long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub output: Option<PathBuf>,
}

/// `claim`: the inputs (one period), the format and where the documents go.
#[derive(Debug, Args)]
pub struct ClaimArgs {
    /// Contracts, exports and the period (`--period` only: a claim is for one period).
    #[command(flatten)]
    pub inputs: InputArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ClaimFormat::Markdown)]
    pub format: ClaimFormat,
    /// Write one file per contract that owes credits into this directory (created if need be),
    /// named after the contract id (`ACME-SOC-2026.md`), and print each file's path; without it
    /// the documents go to stdout.
    #[arg(short = 'o', long, value_name = "DIR", value_hint = ValueHint::DirPath)]
    pub output: Option<PathBuf>,
}

/// Output formats of `claim`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ClaimFormat {
    /// One document per contract, separated by a horizontal rule on stdout.
    Markdown,
    /// One self-contained page (printable on A4); on stdout, every claim on one page, each
    /// starting on a new sheet when printed.
    Html,
}

/// `scorecard`: the inputs, the view and where the output goes.
#[derive(Debug, Args)]
pub struct ScorecardArgs {
    /// Contracts, exports and periods.
    #[command(flatten)]
    pub inputs: InputArgs,
    /// View periods: month, quarter or year (default: each contract's own period).
    #[arg(long, value_enum, value_name = "PERIOD")]
    pub by: Option<By>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ScorecardFormat::Table)]
    pub format: ScorecardFormat,
    /// Write the output to this file instead of stdout.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `compare`: the inputs (exactly two `--contract` values: A, then B) and where the output goes.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Contracts, exports and periods. `--contract` is given twice: the terms as they are (A),
    /// then as proposed (B), each a file or a directory. A and B may share contract and service
    /// ids: they are alternatives.
    #[command(flatten)]
    pub inputs: InputArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CompareFormat::Table)]
    pub format: CompareFormat,
    /// Write the output to this file instead of stdout.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `reconcile`: the inputs, the credit notes received and where the output goes.
#[derive(Debug, Args)]
pub struct ReconcileArgs {
    /// Contracts, exports and periods. `--as-of` also fixes the date claim windows are judged on
    /// (default: today, in each contract's time zone).
    #[command(flatten)]
    pub inputs: InputArgs,
    /// Credit notes received: CSV with the columns contract, period, amount, currency and
    /// reference, and optionally service and rule (repeatable).
    #[arg(long, required = true, value_name = "CSV", value_hint = ValueHint::FilePath)]
    pub received: Vec<PathBuf>,
    /// A YAML mapping naming the received files' columns (`fields: { amount: Betrag }`) and
    /// `delimiter`.
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub received_source: Option<PathBuf>,
    /// Received and owed amounts at most this far apart are matched.
    #[arg(long, default_value = "0.01", value_name = "AMOUNT", value_parser = parse_tolerance)]
    pub tolerance: slacredit::money::Decimal,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReconcileFormat::Table)]
    pub format: ReconcileFormat,
    /// Write the output to this file instead of stdout.
    #[arg(short = 'o', long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub output: Option<PathBuf>,
}

/// `--tolerance`: a plain decimal at or above zero.
fn parse_tolerance(text: &str) -> Result<slacredit::money::Decimal, String> {
    let tolerance = slacredit::money::parse_decimal(text)?;
    if tolerance.is_sign_negative() && !tolerance.is_zero() {
        return Err(format!(
            "`{text}` is negative; a tolerance is 0 or more, like 0.01"
        ));
    }
    Ok(tolerance)
}

/// Output formats of `reconcile`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReconcileFormat {
    /// Terminal tables, with the totals per contract and currency.
    Table,
    /// One row per contract, period and service, in fixed columns.
    Csv,
    /// The reconciliation model, with the totals and the received rows' accounting.
    Json,
    /// GitHub tables, with the totals per contract and currency.
    Markdown,
}

/// Output formats of `compare`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompareFormat {
    /// Terminal tables, with totals per service and overall.
    Table,
    /// One row per period and service, in fixed columns.
    Csv,
    /// The comparison model.
    Json,
    /// GitHub tables, with totals per service and overall.
    Markdown,
    /// One self-contained page (inline CSS and SVG): A against B per period, the rows, the
    /// totals.
    Html,
}

/// The view periods of `scorecard --by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum By {
    /// Calendar months.
    Month,
    /// Calendar quarters.
    Quarter,
    /// Calendar years.
    Year,
}

impl By {
    /// The calculation's view.
    pub fn view(self) -> slacredit::calc::scorecard::ViewKind {
        use slacredit::calc::scorecard::ViewKind;
        match self {
            Self::Month => ViewKind::Month,
            Self::Quarter => ViewKind::Quarter,
            Self::Year => ViewKind::Year,
        }
    }
}

/// Output formats of `scorecard`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScorecardFormat {
    /// Terminal tables, with each service's trend.
    Table,
    /// One row per contract, service, period and severity, in fixed columns.
    Csv,
    /// The scorecard model.
    Json,
    /// GitHub tables, with each service's trend.
    Markdown,
    /// One self-contained page (inline CSS and SVG): availability against target, credits and
    /// MTTR p90 per view period, the lines and the trend.
    Html,
}

/// `explain`: the inputs and what to explain.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("subject").required(true).args(["incident", "service"])))]
pub struct ExplainArgs {
    /// Contracts, exports and periods.
    #[command(flatten)]
    pub inputs: InputArgs,
    /// The incident to explain (its id in the export).
    #[arg(long, value_name = "ID", value_hint = ValueHint::Other)]
    pub incident: Option<String>,
    /// The service to explain (its id in the contract).
    #[arg(long, value_name = "ID", value_hint = ValueHint::Other)]
    pub service: Option<String>,
    /// Write the explanation to this file instead of stdout.
    #[arg(short = 'o', long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub output: Option<PathBuf>,
}

/// Inputs shared by `report`, `credits` and `explain`.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// Contract files or directories (repeatable).
    #[arg(
        long = "contract",
        required = true,
        value_name = "PATH",
        value_hint = ValueHint::AnyPath
    )]
    pub contracts: Vec<PathBuf>,
    /// Incident exports, CSV or gzip-compressed CSV (repeatable); `-` reads one from standard
    /// input.
    #[arg(
        long = "incidents",
        required = true,
        value_name = "CSV",
        value_hint = ValueHint::FilePath
    )]
    pub incidents: Vec<PathBuf>,
    /// How to read the exports: a preset (generic, servicenow, jira, pagerduty) or a YAML mapping
    /// file.
    #[arg(
        long,
        default_value = "generic",
        value_name = "PRESET|FILE",
        value_hint = ValueHint::Other
    )]
    pub source: String,
    /// The period to judge: a month (2026-10) or, for quarterly contracts, a quarter (2026-Q4).
    #[arg(
        long,
        value_name = "PERIOD",
        value_hint = ValueHint::Other,
        required_unless_present_all = ["from", "to"],
        conflicts_with_all = ["from", "to"]
    )]
    pub period: Option<PeriodSpec>,
    /// First period of a range (with --to): every period from --from to --to is reported.
    #[arg(long, value_name = "PERIOD", value_hint = ValueHint::Other, requires = "to")]
    pub from: Option<PeriodSpec>,
    /// Last period of a range (inclusive, with --from).
    #[arg(long, value_name = "PERIOD", value_hint = ValueHint::Other, requires = "from")]
    pub to: Option<PeriodSpec>,
    /// Judge open incidents at this instant (RFC 3339); default: the period end.
    #[arg(long, value_name = "TIME", value_hint = ValueHint::Other)]
    pub as_of: Option<String>,
    /// Signed-off exceptions: a CSV with columns `incident`, `approved_by`, `approved_on`, `reason`.
    #[arg(long, value_name = "CSV", value_hint = ValueHint::FilePath)]
    pub exceptions: Option<PathBuf>,
    /// Exit 0 even when incident rows are rejected (by default any rejected row fails the run
    /// with exit 1, after the output is written).
    #[arg(long)]
    pub allow_rejected: bool,
    /// Kept so scripts written for earlier versions run: rejected rows now fail the run unless
    /// `--allow-rejected` is given.
    #[arg(long, hide = true, conflicts_with = "allow_rejected")]
    pub strict: bool,
    /// Write every rejected row to FILE as it was read, after the columns `file`, `line`,
    /// `column` and `reason`, in the export's delimiter: fix the rows there and read the file
    /// again. Written on every run (with the header only when no row is rejected).
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub rejects: Option<PathBuf>,
    /// Read a large export and calculate with at most N threads (default: one per CPU; 1 reads
    /// front to back). The result is the same for any N.
    #[arg(long, value_name = "N", value_hint = ValueHint::Other, value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
}

impl InputArgs {
    /// How to run the calculation: keeping `detail` of the targets not met, on `--threads`
    /// threads (else one per CPU), keeping whole the incidents `wanted` picks.
    pub fn options<'a>(
        &self,
        detail: slacredit::calc::Detail,
        wanted: &'a slacredit::Wanted<'a>,
    ) -> slacredit::Options<'a> {
        slacredit::Options {
            detail,
            threads: self
                .threads
                .map_or_else(slacredit::parallel::cpus, usize::from),
            wanted,
        }
    }

    /// The periods asked for: `--period`, or `--from` to `--to`.
    pub fn range(&self) -> Result<PeriodRange, String> {
        match (self.period, self.from, self.to) {
            (Some(period), ..) => Ok(PeriodRange::single(period)),
            (None, Some(from), Some(to)) => PeriodRange::new(from, to),
            _ => Err("give --period, or --from and --to".to_owned()),
        }
    }
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Terminal tables.
    Table,
    /// CSV: credit lines for `credits`, breach rows for `report`.
    Csv,
    /// JSON: the credit lines (an array) for `credits`, the full report model for `report`.
    Json,
    /// Markdown with GitHub tables, for documents and tickets.
    Markdown,
    /// One self-contained HTML page with charts (`report`; `credits` has none).
    Html,
}
