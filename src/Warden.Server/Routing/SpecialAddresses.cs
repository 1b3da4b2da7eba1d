using System.Net;
using System.Net.Sockets;

namespace Warden.Server.Routing;

/// <summary>
/// The special-purpose address ranges an upstream may not be reached at, from the IANA IPv4 and IPv6 Special-Purpose
/// Address Registries (RFC 6890 and its updates) plus the cloud metadata endpoints, with who may reach each. IPv6 forms
/// that carry an IPv4 address (IPv4-mapped, IPv4-compatible, SIIT, NAT64 64:ff9b::/96, 6to4 2002::/16) are judged by
/// the IPv4 address inside, so <c>[::a9fe:a9fe]</c> is the metadata address it embeds (issue 18).
/// </summary>
internal static class SpecialAddresses
{
    private const string Metadata = "a cloud metadata address";

    // First match wins: the single metadata addresses come before the ranges that contain them.
    private static readonly (IPNetwork Network, AddressReach Reach, string Name)[] IPv4 =
    [
        (IPNetwork.Parse("169.254.169.254/32"), AddressReach.Never, Metadata),        // AWS, GCP, Azure, Oracle, OpenStack...
        (IPNetwork.Parse("169.254.170.2/32"), AddressReach.Never, Metadata),          // AWS ECS task metadata
        (IPNetwork.Parse("169.254.170.23/32"), AddressReach.Never, Metadata),         // AWS EKS pod identity
        (IPNetwork.Parse("100.100.100.200/32"), AddressReach.Never, Metadata),        // Alibaba Cloud
        (IPNetwork.Parse("168.63.129.16/32"), AddressReach.Never, Metadata),          // Azure host (WireServer)
        (IPNetwork.Parse("0.0.0.0/8"), AddressReach.Never, "'this network' (0.0.0.0/8)"),
        (IPNetwork.Parse("10.0.0.0/8"), AddressReach.PrivateNetwork, "a private address (10.0.0.0/8)"),
        (IPNetwork.Parse("100.64.0.0/10"), AddressReach.PrivateNetwork, "a shared (carrier-grade NAT) address (100.64.0.0/10)"),
        (IPNetwork.Parse("127.0.0.0/8"), AddressReach.PrivateNetwork, "a loopback address (127.0.0.0/8)"),
        (IPNetwork.Parse("169.254.0.0/16"), AddressReach.Never, "a link-local address (169.254.0.0/16)"),
        (IPNetwork.Parse("172.16.0.0/12"), AddressReach.PrivateNetwork, "a private address (172.16.0.0/12)"),
        (IPNetwork.Parse("192.0.0.0/24"), AddressReach.Never, "an IETF protocol assignment (192.0.0.0/24)"),
        (IPNetwork.Parse("192.0.2.0/24"), AddressReach.Never, "a documentation address (192.0.2.0/24)"),
        (IPNetwork.Parse("192.88.99.0/24"), AddressReach.Never, "the 6to4 relay anycast range (192.88.99.0/24)"),
        (IPNetwork.Parse("192.168.0.0/16"), AddressReach.PrivateNetwork, "a private address (192.168.0.0/16)"),
        (IPNetwork.Parse("198.18.0.0/15"), AddressReach.PrivateNetwork, "a benchmarking address (198.18.0.0/15)"),
        (IPNetwork.Parse("198.51.100.0/24"), AddressReach.Never, "a documentation address (198.51.100.0/24)"),
        (IPNetwork.Parse("203.0.113.0/24"), AddressReach.Never, "a documentation address (203.0.113.0/24)"),
        (IPNetwork.Parse("224.0.0.0/4"), AddressReach.Never, "a multicast address (224.0.0.0/4)"),
        (IPNetwork.Parse("255.255.255.255/32"), AddressReach.Never, "the broadcast address"),
        (IPNetwork.Parse("240.0.0.0/4"), AddressReach.Never, "a reserved address (240.0.0.0/4)"),
    ];

    private static readonly (IPNetwork Network, AddressReach Reach, string Name)[] IPv6 =
    [
        (IPNetwork.Parse("fd00:ec2::254/128"), AddressReach.Never, Metadata),         // AWS instance metadata over IPv6
        (IPNetwork.Parse("fd00:ec2::23/128"), AddressReach.Never, Metadata),          // AWS EKS pod identity over IPv6
        (IPNetwork.Parse("::/128"), AddressReach.Never, "the unspecified address (::)"),
        (IPNetwork.Parse("::1/128"), AddressReach.PrivateNetwork, "the loopback address (::1)"),
        (IPNetwork.Parse("64:ff9b:1::/48"), AddressReach.PrivateNetwork, "a local-use NAT64 address (64:ff9b:1::/48)"),
        (IPNetwork.Parse("100::/64"), AddressReach.Never, "a discard-only address (100::/64)"),
        (IPNetwork.Parse("2001::/32"), AddressReach.Never, "a Teredo address (2001::/32)"),
        (IPNetwork.Parse("2001:db8::/32"), AddressReach.Never, "a documentation address (2001:db8::/32)"),
        (IPNetwork.Parse("2001::/23"), AddressReach.Never, "an IETF protocol assignment (2001::/23)"),
        (IPNetwork.Parse("3fff::/20"), AddressReach.Never, "a documentation address (3fff::/20)"),
        (IPNetwork.Parse("5f00::/16"), AddressReach.Never, "a segment-routing SID (5f00::/16)"),
        (IPNetwork.Parse("fc00::/7"), AddressReach.PrivateNetwork, "a unique local address (fc00::/7)"),
        (IPNetwork.Parse("fe80::/10"), AddressReach.Never, "a link-local address (fe80::/10)"),
        (IPNetwork.Parse("fec0::/10"), AddressReach.PrivateNetwork, "a site-local address (fec0::/10)"),
        (IPNetwork.Parse("ff00::/8"), AddressReach.Never, "a multicast address (ff00::/8)"),
    ];

    // IPv6 ranges whose addresses carry an IPv4 address, and where it sits (byte offset). IPv4-mapped (::ffff:0:0/96)
    // is tested with IsIPv4MappedToIPv6 instead: IPNetwork.Contains never matches a mapped address.
    private static readonly (IPNetwork Network, int Offset, string Form)[] Embedding =
    [
        (IPNetwork.Parse("::ffff:0:0:0/96"), 12, "IPv4-translated"),
        (IPNetwork.Parse("64:ff9b::/96"), 12, "NAT64"),
        (IPNetwork.Parse("2002::/16"), 2, "6to4"),
        (IPNetwork.Parse("::/96"), 12, "IPv4-compatible"),
    ];

    public static AddressVerdict Classify(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return Match(IPv4, address);
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return new AddressVerdict(AddressReach.Never, "not an IP address");
        }

        if (address.ScopeId != 0)
        {
            // A zone index only means something for link-local and multicast scopes: never an upstream's.
            address = new IPAddress(address.GetAddressBytes());
        }

        var own = Match(IPv6, address);
        if (own.Reach != AddressReach.Public)
        {
            return own;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return Embedded(address, 12, "IPv4-mapped");
        }

        foreach (var (network, offset, form) in Embedding)
        {
            if (network.Contains(address))
            {
                return Embedded(address, offset, form);
            }
        }

        return own;
    }

    private static AddressVerdict Embedded(IPAddress address, int offset, string form)
    {
        var inner = new IPAddress(address.GetAddressBytes().AsSpan(offset, 4));
        var verdict = Match(IPv4, inner);
        if (verdict.Reach == AddressReach.Public && form == "IPv4-compatible")
        {
            // Deprecated since RFC 4291; no upstream is reached that way.
            return new AddressVerdict(AddressReach.Never, $"a deprecated IPv4-compatible address (::{inner})");
        }

        return verdict.Reach == AddressReach.Public ? verdict : verdict with { Range = $"the {form} form of {inner}, {verdict.Range}" };
    }

    private static AddressVerdict Match((IPNetwork Network, AddressReach Reach, string Name)[] table, IPAddress address)
    {
        foreach (var (network, reach, name) in table)
        {
            if (network.Contains(address))
            {
                return new AddressVerdict(reach, name);
            }
        }

        return AddressVerdict.Public;
    }
}
