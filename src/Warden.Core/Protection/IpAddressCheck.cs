using System.Net;
using System.Net.Sockets;

namespace Warden.Core.Protection;

/// <summary>
/// Which IP addresses count as personal data. An address a person's device or network uses can identify them, so
/// public and private (RFC 1918, fc00::/7) addresses count. Addresses that name no one do not: loopback, unspecified,
/// broadcast, link-local, multicast, reserved (240/4) and the documentation ranges (RFC 5737, RFC 3849), which fill
/// code, configuration and examples in agent traffic.
/// </summary>
internal static class IpAddressCheck
{
    public static bool CountsV4(byte a, byte b, byte c)
    {
        return a switch
        {
            0 or 127 or >= 224 => false,
            169 when b == 254 => false,
            192 when b == 0 && c == 2 => false,
            198 when b == 51 && c == 100 => false,
            203 when b == 0 && c == 113 => false,
            _ => true,
        };
    }

    public static bool CountsV6(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetworkV6
            || IPAddress.IPv6Loopback.Equals(address) || IPAddress.IPv6Any.Equals(address)
            || address.IsIPv6LinkLocal || address.IsIPv6Multicast || address.IsIPv6SiteLocal)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        if (bytes[0] == 0x20 && bytes[1] == 0x01 && bytes[2] == 0x0d && bytes[3] == 0xb8)
        {
            return false;
        }

        return !address.IsIPv4MappedToIPv6 || CountsV4(bytes[12], bytes[13], bytes[14]);
    }
}
