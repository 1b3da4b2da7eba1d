using System.Net;

namespace Warden.Server.Routing;

/// <summary>
/// The SSRF guard for upstream URLs: http(s) only, no credentials in the URL, and a host that the channel may reach
/// (<see cref="SpecialAddresses"/>, and the names below). A channel allowed the private network (a local profile, or
/// the operator's flag) may reach loopback and private ranges; no channel may reach link-local, cloud metadata or the
/// other special-purpose ranges. The same checks run again when a connection is made, on every address the name
/// resolves to (<see cref="Hosting.UpstreamConnector"/>), so DNS cannot point a public name at a refused address.
/// </summary>
internal static class UpstreamUrlPolicy
{
    // Names that reach a cloud's metadata service (GCP answers "metadata" through the VM's search domain).
    private static readonly string[] MetadataNames =
    [
        "metadata", "metadata.google.internal", "metadata.goog", "instance-data", "instance-data.ec2.internal", "metadata.tencentyun.com",
    ];

    // Names that only ever mean this machine, and suffixes reserved for local or private networks (RFC 6761, RFC 6762,
    // RFC 8375, ICANN's .internal).
    private static readonly string[] LocalNames = ["localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"];
    private static readonly string[] LocalSuffixes = [".localhost", ".localdomain", ".local", ".internal", ".home.arpa", ".lan", ".intranet", ".corp"];

    public static string? Validate(Uri url, bool allowPrivateNetwork)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
        {
            return "The upstream URL must be an absolute http or https URL.";
        }

        if (!string.IsNullOrEmpty(url.UserInfo))
        {
            return "The upstream URL must not contain credentials; give the credential separately so it is stored encrypted.";
        }

        if (!string.IsNullOrEmpty(url.Query) || !string.IsNullOrEmpty(url.Fragment))
        {
            return "The upstream URL must not have a query or fragment.";
        }

        // IdnHost is the name as DNS will see it: IDN to punycode, full-width and ideographic dots to '.', numeric
        // IPv4 spellings (2852039166, 0xa9fea9fe, 0251.0376...) to dotted decimal.
        return HostProblem(url.IdnHost, allowPrivateNetwork);
    }

    /// <summary>Why a channel may not reach <paramref name="host"/> (a name or an IP literal), or null when it may.</summary>
    public static string? HostProblem(string host, bool allowPrivateNetwork)
    {
        ArgumentNullException.ThrowIfNull(host);
        string literal = host.Trim('[', ']');
        if (IPAddress.TryParse(literal, out var address))
        {
            return AddressProblem(address, allowPrivateNetwork);
        }

        string name = host.ToLowerInvariant().TrimEnd('.');
        if (name.Length == 0)
        {
            return "The upstream URL has no host.";
        }

        if (MetadataNames.Contains(name))
        {
            return $"The upstream URL names '{name}', a cloud metadata service: no channel may reach it, not even one allowed the private network.";
        }

        if (allowPrivateNetwork)
        {
            return null;
        }

        if (LocalNames.Contains(name) || name.EndsWith(".localhost", StringComparison.Ordinal))
        {
            return "The upstream URL points at this machine; allow the private network for this channel if that is intended.";
        }

        if (!name.Contains('.', StringComparison.Ordinal) || LocalSuffixes.Any(suffix => name.EndsWith(suffix, StringComparison.Ordinal)))
        {
            // A single label resolves through the search domain; these suffixes only exist on private networks.
            return $"The upstream URL names '{name}', a local or private-network name; allow the private network for this channel if that is intended.";
        }

        return null;
    }

    /// <summary>Why a channel may not reach <paramref name="address"/>, or null when it may.</summary>
    public static string? AddressProblem(IPAddress address, bool allowPrivateNetwork)
    {
        var verdict = SpecialAddresses.Classify(address);
        return verdict.Reach switch
        {
            AddressReach.Never => $"The upstream address {address} is {verdict.Range}: no channel may reach it, not even one allowed the private network.",
            AddressReach.PrivateNetwork when !allowPrivateNetwork =>
                $"The upstream address {address} is {verdict.Range}; allow the private network for this channel if that is intended.",
            _ => null,
        };
    }
}
