using Warden.Server.Console;

namespace Warden.Server.Tests.Console;

/// <summary>The usage CSV: RFC 4180 quoting, and no field a spreadsheet would run as a formula (model names come from clients).</summary>
public sealed class UsageLogTests
{
    [Theory]
    [InlineData("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\"")]
    [InlineData("+1", "'+1")]
    [InlineData("-2", "'-2")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("gpt,4", "\"gpt,4\"")]
    [InlineData("sim-small", "sim-small")]
    public void Csv_EscapesFormulasAndQuotes(string model, string expected)
    {
        var row = new UsageLogRow("r1", new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero), "k1", "key", null, model, null, null,
            200, "completed", 1, 2, 3, "USD", 4.5, null, HasReceipt: true);

        string[] lines = UsageLog.Csv([row]).Split("\r\n");

        Assert.StartsWith("time,request_id,key_id,", lines[0], StringComparison.Ordinal);
        Assert.Contains("," + expected + ",", lines[1], StringComparison.Ordinal);
        Assert.EndsWith(",r1", lines[1], StringComparison.Ordinal);
    }
}
