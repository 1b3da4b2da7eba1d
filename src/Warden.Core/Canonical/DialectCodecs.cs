using Warden.Core.Dialects;

namespace Warden.Core.Canonical;

/// <summary>The codec of each dialect, from its registration (<see cref="WireDialects"/>).</summary>
public static class DialectCodecs
{
    public static IDialectCodec For(WireDialectName dialect) => WireDialects.For(dialect).Codec;
}
