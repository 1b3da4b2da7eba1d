using System.Text.Json;
using System.Xml;
using System.Xml.Linq;
using Warden.Server.Audit;
using Warden.Server.Audit.Reports;

namespace Warden.Server.Tests.Audit.Reports;

/// <summary>The JSON document and the single-file HTML report of an audit run, from a report with every chart kind.</summary>
public sealed class AuditReportsTests
{
    private const string Hostile = "<script>alert('x')</script>&\u0001\"";
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private static readonly XNamespace Xhtml = "http://www.w3.org/1999/xhtml";

    [Fact]
    public void Json_WrittenAndParsed_KeepsEveryField()
    {
        var report = Sample("sim-large");
        using var stream = new MemoryStream();
        AuditJsonReport.Write(report, stream);

        using var document = JsonDocument.Parse(stream.ToArray());
        var root = document.RootElement;
        Assert.Equal(AuditJsonDocument.CurrentSchemaVersion, root.GetProperty("schema_version").GetInt32());
        Assert.Equal(1, root.GetProperty("exit_code").GetInt32());
        Assert.Equal("https://relay.example/v1", root.GetProperty("target").GetProperty("url").GetString());
        Assert.Equal("sim-large", root.GetProperty("target").GetProperty("model").GetString());
        Assert.Equal("anthropic", root.GetProperty("target").GetProperty("protocol").GetString());
        Assert.Equal("https://api.example/v1", root.GetProperty("reference").GetProperty("url").GetString());
        Assert.Equal(0.01, root.GetProperty("settings").GetProperty("alpha").GetDouble());
        Assert.Equal(600, root.GetProperty("settings").GetProperty("max_requests").GetInt32());
        Assert.Equal("api.example", root.GetProperty("settings").GetProperty("expect_upstream_hosts")[0].GetString());

        var checks = root.GetProperty("checks");
        Assert.Equal(3, checks.GetArrayLength());
        var usage = checks[1];
        Assert.Equal("usage", usage.GetProperty("id").GetString());
        Assert.Equal("fail", usage.GetProperty("verdict").GetString());
        Assert.Equal(1.52, usage.GetProperty("effect").GetDouble());
        Assert.Equal("inflation ratio", usage.GetProperty("effect_name").GetString());
        Assert.Equal(1.41, usage.GetProperty("ci_low").GetDouble());
        Assert.Equal(JsonValueKind.Null, usage.GetProperty("p_value").ValueKind);
        Assert.Equal(120, usage.GetProperty("requests").GetInt32());
        Assert.Equal(45000, usage.GetProperty("tokens").GetInt64());
        Assert.Equal("answer 3 reported 300 input tokens for 200", usage.GetProperty("findings")[0].GetString());
        var chart = usage.GetProperty("charts")[0];
        Assert.Equal("interval", chart.GetProperty("kind").GetString());
        Assert.Equal(1.0, chart.GetProperty("reference_line").GetDouble());
        var point = chart.GetProperty("series")[0].GetProperty("points")[0];
        Assert.Equal(1.41, point.GetProperty("low").GetDouble());
        Assert.Equal(1.63, point.GetProperty("high").GetDouble());
        Assert.Equal("input", point.GetProperty("label").GetString());

        // A non-finite statistic is written as null rather than breaking the document.
        Assert.Equal(JsonValueKind.Null, checks[2].GetProperty("p_value").ValueKind);

        stream.Position = 0;
        var read = AuditJsonReport.Read(stream)!;
        Assert.Equal(report.Checks.Select(c => c.Id), read.Checks.Select(c => c.Id));
        Assert.Equal(report.Checks[0].Charts[0].Series[1].Points.Select(p => p.Y), read.Checks[0].Charts[0].Series[1].Points.Select(p => p.Y!.Value));
    }

    [Fact]
    public void Json_UrlWithCredentials_IsWrittenWithoutThem()
    {
        var report = Sample("m") with { TargetUrl = new Uri("https://user:secret-pass@relay.example/v1beta?key=AIzaSECRET#x") };
        var writer = new StringWriter();
        AuditJsonReport.Write(report, writer);
        string json = writer.ToString();
        Assert.DoesNotContain("secret", json, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("AIza", json, StringComparison.Ordinal);
        Assert.Contains("\"https://relay.example/v1beta\"", json, StringComparison.Ordinal);

        var html = new StringWriter();
        AuditHtmlReport.Write(report, html);
        Assert.DoesNotContain("secret", html.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Html_Report_ParsesAsXml_WithOneAccessibleSvgPerChart()
    {
        var report = Sample("sim-large");
        var document = ParseHtml(report, out _);

        var svgs = document.Descendants(Svg + "svg").ToList();
        Assert.Equal(report.Checks.Sum(c => c.Charts.Count), svgs.Count);
        foreach (var svg in svgs)
        {
            Assert.Equal("img", (string?)svg.Attribute("role"));
            Assert.False(string.IsNullOrWhiteSpace(svg.Element(Svg + "title")?.Value));
            Assert.False(string.IsNullOrWhiteSpace(svg.Element(Svg + "desc")?.Value));
        }

        // Histogram: one bar per point of each series; interval: an interval line per point; line: one polyline per series.
        Assert.Equal(report.Checks[0].Charts[0].Series.Sum(s => s.Points.Count), svgs[0].Descendants(Svg + "rect").Count(r => r.Attribute("class") is null));
        Assert.Single(svgs[1].Descendants(Svg + "line"), l => (string?)l.Attribute("class") == "reference" && l.Element(Svg + "title") is not null);
        Assert.Equal(report.Checks[2].Charts[0].Series.Count, svgs[2].Descendants(Svg + "polyline").Count());

        Assert.Single(document.Descendants(Xhtml + "h1"));
        Assert.Equal(1 + report.Checks.Count, document.Descendants(Xhtml + "h2").Count());
        var summary = document.Descendants(Xhtml + "table").First();
        Assert.Equal(7, summary.Descendants(Xhtml + "th").Count(th => (string?)th.Attribute("scope") == "col"));
        Assert.Equal(report.Checks.Count, summary.Descendants(Xhtml + "th").Count(th => (string?)th.Attribute("scope") == "row"));

        // Self-contained: no script and nothing fetched from elsewhere.
        Assert.DoesNotContain(document.Descendants(), e => e.Name.LocalName is "script" or "link" or "img" or "iframe" or "object");
        Assert.DoesNotContain(document.Descendants().Attributes(), a => a.Name.LocalName is "src" || (a.Name.LocalName == "href" && !a.Value.StartsWith('#')));
    }

    [Fact]
    public void Html_HostileModelNameSeriesAndFinding_AreEscaped()
    {
        var report = Sample(Hostile);
        var document = ParseHtml(report, out string html);

        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("\u0001", html, StringComparison.Ordinal);
        Assert.DoesNotContain(document.Descendants(), e => e.Name.LocalName == "script");
        // Escaped, not dropped: the reader sees the text as the endpoint sent it.
        Assert.Contains("<script>alert('x')</script>", document.Descendants(Xhtml + "title").Single().Value, StringComparison.Ordinal);
        Assert.Contains(document.Descendants(Xhtml + "li"), li => li.Value.StartsWith("model <script>", StringComparison.Ordinal));
        Assert.Contains(document.Descendants(Svg + "text"), t => t.Value.Contains("<script>", StringComparison.Ordinal));
    }

    [Fact]
    public void Html_ChartWithoutPoints_StillRendersItsSvg()
    {
        var empty = new AuditChart("Nothing to show", AuditChartKind.Line, "x", "y", [new AuditSeries("target", [])]);
        var report = Sample("m") with
        {
            Checks = [new AuditCheckResult { Id = "replay", Title = "Replay", Verdict = AuditVerdict.Inconclusive, Summary = "no answers", Charts = [empty] }],
        };
        var document = ParseHtml(report, out _);
        Assert.Contains("No data", Assert.Single(document.Descendants(Svg + "svg")).Value, StringComparison.Ordinal);
    }

    private static XDocument ParseHtml(AuditReport report, out string html)
    {
        var writer = new StringWriter();
        AuditHtmlReport.Write(report, writer);
        html = writer.ToString();
        using var reader = XmlReader.Create(new StringReader(html), new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore });
        return XDocument.Load(reader);
    }

    private static AuditReport Sample(string model)
    {
        var histogram = new AuditChart("Answer length", AuditChartKind.Histogram, "words", "answers",
        [
            new AuditSeries("target " + model, [new(10, 3), new(20, 7), new(30, 2)]),
            new AuditSeries("reference", [new(10, 1), new(20, 4), new(30, 8), new(40, 1)]),
        ]);
        var interval = new AuditChart("Inflation ratio", AuditChartKind.Interval, "tokens", "reported / counted",
        [
            new AuditSeries("target", [new(0, 1.52, 1.41, 1.63, "input"), new(1, 1.0, 0.97, 1.04, "output")]),
        ])
        { ReferenceLine = 1.0 };
        var line = new AuditChart("Recall by context length", AuditChartKind.Line, "context tokens", "recall",
        [
            new AuditSeries("target", [new(1000, 1, 0.9, 1), new(8000, 0.9), new(24000, 0.1)]),
            new AuditSeries("expected", [new(1000, 1), new(8000, 1), new(24000, 1)]),
        ]);
        return new AuditReport
        {
            StartedAt = new DateTimeOffset(2026, 12, 7, 20, 0, 0, TimeSpan.Zero),
            FinishedAt = new DateTimeOffset(2026, 12, 7, 20, 4, 0, TimeSpan.Zero),
            TargetUrl = new Uri("https://relay.example/v1"),
            TargetModel = model,
            Protocol = AuditProtocol.Anthropic,
            ReferenceUrl = new Uri("https://api.example/v1"),
            ReferenceModel = model,
            Settings = new AuditSettings { ExpectUpstreamHosts = ["api.example"] },
            Checks =
            [
                new AuditCheckResult
                {
                    Id = "substitution", Title = "Model substitution", Verdict = AuditVerdict.Pass, Summary = "the answers match the reference",
                    PValue = 0.41, EffectName = "MMD²", Effect = 0.002, Requests = 200, Tokens = 90000, Charts = [histogram],
                },
                new AuditCheckResult
                {
                    Id = "usage", Title = "Usage honesty", Verdict = AuditVerdict.Fail, Summary = "input tokens inflated by 1.52",
                    EffectName = "inflation ratio", Effect = 1.52, CiLow = 1.41, CiHigh = 1.63, Requests = 120, Tokens = 45000,
                    Findings = ["answer 3 reported 300 input tokens for 200"], Charts = [interval],
                },
                new AuditCheckResult
                {
                    Id = "context", Title = "Cut context", Verdict = AuditVerdict.Fail, Summary = "recall falls at 24K tokens",
                    PValue = double.NaN, EffectName = "recall at 24K tokens", Effect = 0.1, Requests = 60, Tokens = 800000,
                    Findings = [$"model {model} forgot the code word"], Charts = [line],
                },
            ],
        };
    }
}
