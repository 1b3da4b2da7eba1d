using Warden.Core.Canonical;

namespace Warden.Core.Dialects.Anthropic;

/// <summary>Names of dialects and of their request fields as people know them, for refusal messages.</summary>
internal static class DialectNames
{
    public static string Of(WireDialectName dialect) => WireDialects.For(dialect).DisplayName;

    /// <summary>Where the client put its structured-output format.</summary>
    public static string OutputFormatField(WireDialectName origin) => WireDialects.For(origin).OutputFormatField;

    /// <summary>Where the client put its reasoning effort.</summary>
    public static string EffortField(WireDialectName origin) => WireDialects.For(origin).EffortField;
}
