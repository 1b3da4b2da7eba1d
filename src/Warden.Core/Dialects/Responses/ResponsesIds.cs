using System.Text;

namespace Warden.Core.Dialects.Responses;

/// <summary>
/// Deterministic Responses ids for answers that came from another dialect: "resp_…" for the response and
/// "msg_…", "fc_…", "rs_…" for its items, derived from the upstream's id and the item's position. No randomness,
/// so the same answer always gets the same ids.
/// </summary>
public static class ResponsesIds
{
    /// <summary>The response id: the upstream's own when it is already a Responses id.</summary>
    public static string Response(string upstreamId) =>
        upstreamId.StartsWith("resp_", StringComparison.Ordinal) ? upstreamId : "resp_" + Core(upstreamId);

    /// <summary>An item id with <paramref name="prefix"/> ("msg", "fc", "rs") for the item at <paramref name="outputIndex"/>.</summary>
    public static string Item(string prefix, string upstreamId, int outputIndex) =>
        prefix + "_" + Core(upstreamId) + "_" + outputIndex.ToString(System.Globalization.CultureInfo.InvariantCulture);

    // The upstream id's letters and digits after its own prefix ("msg_01AB" → "01AB", "chatcmpl-x1" → "x1").
    private static string Core(string upstreamId)
    {
        int cut = upstreamId.IndexOfAny(['_', '-']);
        string rest = cut >= 0 && cut < upstreamId.Length - 1 ? upstreamId[(cut + 1)..] : upstreamId;
        var core = new StringBuilder(rest.Length);
        foreach (char c in rest)
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                core.Append(c);
            }
        }

        return core.Length == 0 ? "0" : core.ToString();
    }
}
