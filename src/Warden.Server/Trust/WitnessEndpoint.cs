using Warden.Core.Trust;

namespace Warden.Server.Trust;

/// <summary>
/// A witness Warden submits its checkpoints to: the submission prefix (add-checkpoint is POSTed under it) and the
/// witness's cosignature verifier key. Written <c>&lt;vkey&gt;@&lt;url&gt;</c> on the command line.
/// </summary>
/// <param name="Url">The submission prefix, e.g. http://127.0.0.1:7380/.</param>
/// <param name="Key">The witness's verifier key (type 0x04).</param>
internal sealed record WitnessEndpoint(Uri Url, NoteVerifier Key)
{
    /// <summary>Parses "&lt;vkey&gt;@&lt;http(s) url&gt;".</summary>
    public static bool TryParse(string text, out WitnessEndpoint? endpoint, out string? error)
    {
        endpoint = null;
        int at = text.IndexOf('@', StringComparison.Ordinal);
        if (at < 0)
        {
            error = "a witness is written <vkey>@<url>";
            return false;
        }

        if (!NoteVerifier.TryParse(text[..at], out NoteVerifier? key, out error))
        {
            return false;
        }

        if (key!.Type != NoteVerifier.CosignatureType)
        {
            error = "a witness's verifier key has the cosignature type (0x04)";
            return false;
        }

        if (!Uri.TryCreate(text[(at + 1)..], UriKind.Absolute, out Uri? url) || url.Scheme is not ("http" or "https"))
        {
            error = "the witness URL is not an absolute http(s) URL";
            return false;
        }

        endpoint = new WitnessEndpoint(url.AbsoluteUri.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/"), key);
        error = null;
        return true;
    }
}
