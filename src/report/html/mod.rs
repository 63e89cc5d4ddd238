//! Self-contained HTML pages: the page shell with its inline CSS (screen, phone, A4 print), text
//! escaping, tables and figures. The report, scorecard and compare pages are written with it.
//!
//! A page has no script, web font, image file or network reference: CSS and SVG are inline, and
//! a Content-Security-Policy forbids everything else, so a text that escaped its escaping still
//! could not run. All text goes through [`Escaped`]; the only markup written as it is comes from
//! this module and from [`chart`], whose SVG plotters builds from escaped text.

pub mod chart;
mod claim;
mod compare;
mod report;
mod scorecard;

use std::fmt::{self, Display};
use std::io::{self, Write};

pub use claim::write_claims_html;
pub use compare::write_comparison_html;
pub use report::write_report_html;
pub use scorecard::write_scorecard_html;

use self::chart::Figure;
use crate::contract::excerpt::QuotedLine;

/// Screen first; one column of charts and tables as cards on a phone; A4 in print.
const STYLE: &str = "\
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0 auto;max-width:1120px;padding:16px 20px 32px;color:#1b1b1b;background:#fff;\
font:15px/1.45 system-ui,-apple-system,\"Segoe UI\",Roboto,\"Helvetica Neue\",Arial,sans-serif}
h1{font-size:1.55em;margin:.2em 0 .1em}
h2{font-size:1.3em;margin:1.8em 0 .4em;padding-top:.5em;border-top:2px solid #1b1b1b}
h3{font-size:1.08em;margin:1.4em 0 .3em}
p{margin:.3em 0 .7em}
.note{color:#555}
.total{font-weight:600}
dl{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.15em 1em;margin:.4em 0 1em}
dt{color:#555}
dd{margin:0;overflow-wrap:anywhere}
ul.items{padding-left:1.2em;margin:.3em 0 1em}
ul.items li{margin:.2em 0;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%;margin:.3em 0 1.2em;font-size:.9em}
caption{text-align:left;font-weight:600;padding:.2em 0 .4em}
th,td{padding:.3em .5em;text-align:left;vertical-align:top;border-bottom:1px solid #ddd;\
overflow-wrap:break-word}
th{background:#f2f3f5;border-bottom:2px solid #bbb;font-weight:600}
.num{text-align:right;font-variant-numeric:tabular-nums}
td.num{white-space:normal}
table.wide{font-size:.8em}
tfoot td{font-weight:600;border-top:2px solid #bbb;border-bottom:0}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(400px,1fr));gap:14px;\
margin:.6em 0 1.2em}
figure{margin:0;padding:8px 10px;border:1px solid #ddd;border-radius:4px;min-width:0}
figcaption{font-weight:600;font-size:.92em;margin-bottom:4px;overflow-wrap:anywhere}
figure svg{display:block;width:100%;height:auto}
ul.legend{list-style:none;margin:4px 0 0;padding:0;font-size:.85em;display:flex;flex-wrap:wrap;\
gap:.1em 1.1em}
ul.legend li{overflow-wrap:anywhere}
.swatch{display:inline-block;width:.85em;height:.85em;margin-right:.35em;vertical-align:-.08em;\
border-radius:2px}
.swatch.dashed{height:0;width:1.3em;border-top:2px dashed;vertical-align:.25em;border-radius:0}
@media (max-width:640px){
body{padding:10px 12px 24px;font-size:14px}
h1{font-size:1.3em}
h2{font-size:1.15em}
.charts{grid-template-columns:minmax(0,1fr)}
table.cards thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
table.cards,table.cards tbody,table.cards tfoot,table.cards tr,table.cards td{display:block;width:100%}
table.cards tr{border:1px solid #ddd;border-radius:4px;margin:0 0 8px;padding:.2em 0}
table.cards td{display:grid;grid-template-columns:minmax(6.5em,38%) minmax(0,1fr);gap:.6em;\
border:0;padding:.15em .6em;text-align:left;white-space:normal}
table.cards td:empty{display:none}
table.cards caption{display:block}
table.cards td::before{content:attr(data-label);color:#555;font-weight:400}
}
@page{size:A4;margin:14mm 12mm}
@media print{
body{max-width:none;padding:0;font-size:9.5pt}
h2{break-after:avoid}
h3{break-after:avoid}
.charts{grid-template-columns:repeat(2,minmax(0,1fr))}
figure,tr,dl{break-inside:avoid}
th,.swatch,figure svg{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
";

/// Text as HTML: `&`, `<`, `>`, `"` and `'` become character references, so the text is shown as
/// it is, in an element or in a quoted attribute.
#[derive(Debug, Clone, Copy)]
pub struct Escaped<T>(pub T);

impl<T: Display> Display for Escaped<T> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        use fmt::Write as _;
        write!(EscapingWriter(formatter), "{}", self.0)
    }
}

/// Passes text on with the characters that mean something in HTML replaced.
struct EscapingWriter<'a, 'b>(&'a mut fmt::Formatter<'b>);

impl fmt::Write for EscapingWriter<'_, '_> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        let mut rest = text;
        while let Some(at) = rest.find(['&', '<', '>', '"', '\'']) {
            self.0.write_str(&rest[..at])?;
            self.0.write_str(match rest.as_bytes()[at] {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                _ => "&#39;",
            })?;
            rest = &rest[at + 1..];
        }
        self.0.write_str(rest)
    }
}

/// The text as HTML, in a new string.
pub fn escape(text: &str) -> String {
    Escaped(text).to_string()
}

/// One HTML page being written: [`Page::start`] writes the head, the methods the body, and
/// [`Page::finish`] the end. Every text argument is escaped.
pub struct Page<'a> {
    out: &'a mut dyn Write,
}

impl<'a> Page<'a> {
    /// Writes the document head (title, viewport, policy, style) and opens the body.
    pub fn start(out: &'a mut dyn Write, title: &str) -> io::Result<Self> {
        Self::start_with_style(out, title, "")
    }

    /// [`Page::start`], with `style` (the page's own rules, a constant of its module) after the
    /// shared style.
    pub fn start_with_style(
        out: &'a mut dyn Write,
        title: &str,
        style: &'static str,
    ) -> io::Result<Self> {
        write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
             style-src 'unsafe-inline'\">\n<title>{}</title>\n<style>\n{STYLE}{style}</style>\n\
             </head>\n<body>\n<main>\n",
            Escaped(title)
        )?;
        Ok(Self { out })
    }

    /// Opens a `<section>` of `class` (one of the page's style classes); [`Page::end_section`]
    /// closes it.
    pub fn section(&mut self, class: &'static str) -> io::Result<()> {
        writeln!(self.out, "<section class=\"{class}\">")
    }

    /// Closes the section [`Page::section`] opened.
    pub fn end_section(&mut self) -> io::Result<()> {
        writeln!(self.out, "</section>")
    }

    /// A paragraph whose middle part is in bold: `before`, `strong`, `after`, each escaped.
    pub fn paragraph_with_strong(
        &mut self,
        class: &'static str,
        (before, strong, after): (&dyn Display, &dyn Display, &dyn Display),
    ) -> io::Result<()> {
        let open = if class.is_empty() {
            "<p>".to_owned()
        } else {
            format!("<p class=\"{class}\">")
        };
        writeln!(
            self.out,
            "{open}{}<strong>{}</strong>{}</p>",
            Escaped(before),
            Escaped(strong),
            Escaped(after)
        )
    }

    /// Lines quoted from a file, each after its line number, as preformatted text under
    /// `caption` (the page's style gives `pre.quote` its look).
    pub fn quote(&mut self, caption: impl Display, lines: &[QuotedLine<'_>]) -> io::Result<()> {
        writeln!(self.out, "<p class=\"quoted\">{}</p>", Escaped(caption))?;
        if lines.is_empty() {
            return Ok(());
        }
        let width = lines.last().map_or(1, |line| line.number.to_string().len());
        write!(self.out, "<pre class=\"quote\">")?;
        for line in lines {
            writeln!(
                self.out,
                "<span class=\"n\">{:>width$}</span> {}",
                line.number,
                Escaped(line.text)
            )?;
        }
        writeln!(self.out, "</pre>")
    }

    /// `<h1>` to `<h6>` (levels outside 1–6 are taken as the nearest).
    pub fn heading(&mut self, level: u8, text: impl Display) -> io::Result<()> {
        let level = level.clamp(1, 6);
        writeln!(self.out, "<h{level}>{}</h{level}>", Escaped(text))
    }

    /// A paragraph; `class` is one of the style's classes (`note`, `total`) or empty.
    pub fn paragraph(&mut self, class: &'static str, text: impl Display) -> io::Result<()> {
        if class.is_empty() {
            writeln!(self.out, "<p>{}</p>", Escaped(text))
        } else {
            writeln!(self.out, "<p class=\"{class}\">{}</p>", Escaped(text))
        }
    }

    /// Terms and their descriptions, side by side.
    pub fn facts(&mut self, facts: &[(&str, &dyn Display)]) -> io::Result<()> {
        writeln!(self.out, "<dl>")?;
        for (term, description) in facts {
            writeln!(
                self.out,
                "<dt>{}</dt><dd>{}</dd>",
                Escaped(term),
                Escaped(description)
            )?;
        }
        writeln!(self.out, "</dl>")
    }

    /// A bulleted list.
    pub fn list<T: Display>(&mut self, items: impl IntoIterator<Item = T>) -> io::Result<()> {
        writeln!(self.out, "<ul class=\"items\">")?;
        for item in items {
            writeln!(self.out, "<li>{}</li>", Escaped(item))?;
        }
        writeln!(self.out, "</ul>")
    }

    /// Charts side by side where there is room, one under another on a phone, each with its
    /// title above and its legend below.
    pub fn figures(&mut self, figures: &[(String, Figure)]) -> io::Result<()> {
        writeln!(self.out, "<div class=\"charts\">")?;
        for (title, figure) in figures {
            writeln!(
                self.out,
                "<figure>\n<figcaption>{}</figcaption>",
                Escaped(title)
            )?;
            self.out.write_all(figure.svg().as_bytes())?;
            writeln!(self.out, "<ul class=\"legend\">")?;
            for entry in &figure.legend {
                let (class, colour) = if entry.dashed {
                    ("swatch dashed", "border-color")
                } else {
                    ("swatch", "background")
                };
                writeln!(
                    self.out,
                    "<li><span class=\"{class}\" style=\"{colour}:{}\"></span>{}</li>",
                    entry.colour,
                    Escaped(&entry.name)
                )?;
            }
            writeln!(self.out, "</ul>\n</figure>")?;
        }
        writeln!(self.out, "</div>")
    }

    /// Opens a table: `columns` are the headings, `numeric` the indexes of the columns aligned
    /// right. Rows are written one at a time, so a long table is never held whole.
    pub fn table<'p>(
        &'p mut self,
        caption: &str,
        columns: &'p [&'p str],
        numeric: &'p [usize],
    ) -> io::Result<Table<'p, 'a>> {
        // A table of many columns (the scorecard's 14) is set smaller, so it fits the page
        // beside the charts instead of running past their right edge.
        let wide = if columns.len() > WIDE_FROM_COLUMNS {
            " wide"
        } else {
            ""
        };
        write!(
            self.out,
            "<table class=\"cards{wide}\">\n<caption>{}</caption>\n<thead><tr>",
            Escaped(caption)
        )?;
        for (index, column) in columns.iter().enumerate() {
            write!(
                self.out,
                "<th{}>{}</th>",
                class_of(numeric, index),
                Escaped(column)
            )?;
        }
        writeln!(self.out, "</tr></thead>\n<tbody>")?;
        Ok(Table {
            page: self,
            columns,
            numeric,
        })
    }

    /// Closes the body and the document.
    pub fn finish(self) -> io::Result<()> {
        writeln!(self.out, "</main>\n</body>\n</html>")
    }
}

/// A table being written: rows, an optional footer of totals, then [`Table::finish`].
pub struct Table<'p, 'a> {
    page: &'p mut Page<'a>,
    columns: &'p [&'p str],
    numeric: &'p [usize],
}

impl Table<'_, '_> {
    /// One row; each cell is escaped and labelled with its column's heading for the phone
    /// layout, where rows become cards.
    pub fn row(&mut self, cells: &[&dyn Display]) -> io::Result<()> {
        self.cells(cells)
    }

    /// The footer row (totals), then the end of the table.
    pub fn finish_with_total(mut self, cells: &[&dyn Display]) -> io::Result<()> {
        writeln!(self.page.out, "</tbody>\n<tfoot>")?;
        self.cells(cells)?;
        writeln!(self.page.out, "</tfoot>\n</table>")
    }

    /// The end of the table.
    pub fn finish(self) -> io::Result<()> {
        writeln!(self.page.out, "</tbody>\n</table>")
    }

    fn cells(&mut self, cells: &[&dyn Display]) -> io::Result<()> {
        let out = &mut *self.page.out;
        out.write_all(b"<tr>")?;
        for (index, cell) in cells.iter().enumerate() {
            let label = self.columns.get(index).copied().unwrap_or_default();
            write!(
                out,
                "<td{} data-label=\"{}\">{}</td>",
                class_of(self.numeric, index),
                Escaped(label),
                Escaped(cell)
            )?;
        }
        writeln!(out, "</tr>")
    }
}

/// Tables with more columns than this are set in a smaller size (`table.wide`).
const WIDE_FROM_COLUMNS: usize = 11;

fn class_of(numeric: &[usize], index: usize) -> &'static str {
    if numeric.contains(&index) {
        " class=\"num\""
    } else {
        ""
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_characters_are_escaped() {
        assert_eq!(
            escape("<script>alert(1)</script> & \"x\" 'y'"),
            "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot; &#39;y&#39;"
        );
        assert_eq!(escape("plain text"), "plain text");
        assert_eq!(escape("Zürich €"), "Zürich €");
    }

    #[test]
    fn cells_and_their_labels_are_escaped() {
        let mut out = Vec::new();
        let mut page = Page::start(&mut out, "<title>").expect("writes to memory");
        {
            let mut table = page
                .table("a & b", &["<col>", "n"], &[1])
                .expect("writes to memory");
            table.row(&[&"<b>", &7]).expect("writes to memory");
            table.finish().expect("writes to memory");
        }
        page.finish().expect("writes to memory");
        let html = String::from_utf8(out).expect("the page is UTF-8");
        assert!(html.contains("<title>&lt;title&gt;</title>"));
        assert!(html.contains("<caption>a &amp; b</caption>"));
        assert!(html.contains("<th>&lt;col&gt;</th><th class=\"num\">n</th>"));
        assert!(html.contains(
            "<tr><td data-label=\"&lt;col&gt;\">&lt;b&gt;</td><td class=\"num\" data-label=\"n\">7</td></tr>"
        ));
        assert!(!html.contains("<b>"));
        assert!(!html.contains("<script"));
    }
}
