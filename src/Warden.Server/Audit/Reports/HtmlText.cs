using System.Globalization;
using System.Text;

namespace Warden.Server.Audit.Reports;

/// <summary>
/// Escaping for the HTML report, which is also well-formed XML: model names, answers and findings come from the audited
/// endpoint and are untrusted, so every text and attribute goes through <see cref="Escape"/>.
/// </summary>
internal static class HtmlText
{
    public static string Escape(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }

        var builder = new StringBuilder(text.Length + 16);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            switch (c)
            {
                case '&': builder.Append("&amp;"); break;
                case '<': builder.Append("&lt;"); break;
                case '>': builder.Append("&gt;"); break;
                case '"': builder.Append("&quot;"); break;
                case '\'': builder.Append("&#39;"); break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                    {
                        builder.Append(c).Append(text[++i]);
                    }
                    else if (IsXmlChar(c))
                    {
                        builder.Append(c);
                    }
                    else
                    {
                        // Control characters and lone surrogates are not allowed in XML, even as references.
                        builder.Append('\uFFFD');
                    }

                    break;
            }
        }

        return builder.ToString();
    }

    /// <summary>A number for humans: up to four significant digits, invariant culture.</summary>
    public static string Number(double value) =>
        !double.IsFinite(value) ? "n/a"
        : value != 0 && Math.Abs(value) < 1e-4 ? value.ToString("0.##E+0", CultureInfo.InvariantCulture)
        : value.ToString("0.####", CultureInfo.InvariantCulture) is { Length: <= 10 } plain ? plain
        : value.ToString("G4", CultureInfo.InvariantCulture);

    /// <summary>A coordinate for SVG: two decimals, invariant culture.</summary>
    public static string Coordinate(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    private static bool IsXmlChar(char c) => c is '\t' or '\n' or '\r' || (c >= ' ' && c < '\uD800') || (c >= '\uE000' && c <= '\uFFFD');
}
