using Warden.Core.Canonical;
using Warden.Core.Dialects;
using Warden.Server.Dialects.Responses;
using Warden.Server.Protocols;

namespace Warden.Server.Dialects;

/// <summary>
/// The server side of each registered dialect (<see cref="WireDialects"/>): a plain <see cref="ClientProtocol"/> unless
/// the dialect's folder here holds one with more to do (one line below each).
/// </summary>
internal static class ClientProtocols
{
    private static readonly ClientProtocol[] ServerParts =
    [
        new ResponsesProtocol(),
    ];

    public static IReadOnlyList<ClientProtocol> All { get; } =
        [.. WireDialects.All.Select(d => ServerParts.FirstOrDefault(p => p.Dialect == d.Name) ?? new ClientProtocol(d))];

    private static readonly ClientProtocol[] ByName = Index();

    public static ClientProtocol Fallback { get; } = For(WireDialects.Fallback.Name);

    public static ClientProtocol For(WireDialectName dialect) =>
        (uint)dialect < (uint)ByName.Length && ByName[(int)dialect] is { } protocol
            ? protocol
            : throw new ArgumentOutOfRangeException(nameof(dialect), dialect, "No dialect is registered under this name.");

    private static ClientProtocol[] Index()
    {
        var byName = new ClientProtocol[All.Max(p => (int)p.Dialect) + 1];
        foreach (var protocol in All)
        {
            byName[(int)protocol.Dialect] = protocol;
        }

        return byName;
    }
}
