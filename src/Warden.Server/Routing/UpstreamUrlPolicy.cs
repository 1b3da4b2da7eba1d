using System.Net;
using System.Net.Sockets;

namespace Warden.Server.Routing;

/// <summary>
/// The SSRF guard for upstream URLs: http(s) only, no credentials in the URL, and no loopback, private,
/// link-local or cloud-metadata address unless the channel explicitly allows the private network. The same
/// address check runs again when a connection is made, so DNS cannot point a public name at a private address.
/// </summary>
internal static class UpstreamUrlPolicy
{
    public static string? Validate(Uri url, bool allowPrivateNetwork)
    {
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

        if (allowPrivateNetwork)
        {
            return null;
        }

        if (url.IsLoopback || url.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return "The upstream URL points at this machine; allow the private network for this channel if that is intended.";
        }

        if (IPAddress.TryParse(url.Host.Trim('[', ']'), out var address) && IsPrivate(address))
        {
            return "The upstream URL points at a private, link-local or metadata address; allow the private network for this channel if that is intended.";
        }

        return null;
    }

    public static bool IsPrivate(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
        {
            return true;
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6UniqueLocal;
        }

        byte[] b = address.GetAddressBytes();
        return b[0] == 10
            || (b[0] == 172 && b[1] >= 16 && b[1] <= 31)
            || (b[0] == 192 && b[1] == 168)
            || (b[0] == 169 && b[1] == 254)           // link-local, including 169.254.169.254 cloud metadata
            || (b[0] == 100 && b[1] >= 64 && b[1] <= 127) // carrier-grade NAT
            || b[0] == 0;
    }
}
