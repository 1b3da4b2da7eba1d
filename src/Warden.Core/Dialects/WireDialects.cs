using Warden.Core.Canonical;
using Warden.Core.Dialects.Anthropic;
using Warden.Core.Dialects.Gemini;
using Warden.Core.Dialects.OpenAIChat;
using Warden.Core.Dialects.Responses;

namespace Warden.Core.Dialects;

/// <summary>The registered dialects: one line each. Everything else finds a dialect's facts through these objects.</summary>
public static class WireDialects
{
    public static IReadOnlyList<WireDialect> All { get; } =
    [
        OpenAIChatDialect.Instance,
        AnthropicDialect.Instance,
        ResponsesDialect.Instance,
        GeminiDialect.Instance,
    ];

    private static readonly WireDialect[] ByName = Index();

    public static WireDialect For(WireDialectName name) =>
        (uint)name < (uint)ByName.Length && ByName[(int)name] is { } dialect
            ? dialect
            : throw new ArgumentOutOfRangeException(nameof(name), name, "No dialect is registered under this name.");

    /// <summary>The dialect of paths no dialect claims by prefix (OpenAI's <c>/v1/...</c>).</summary>
    public static WireDialect Fallback { get; } = All.Single(d => d.ClientPathPrefix is null);

    private static WireDialect[] Index()
    {
        var byName = new WireDialect[All.Max(d => (int)d.Name) + 1];
        foreach (var dialect in All)
        {
            byName[(int)dialect.Name] = dialect;
        }

        return byName;
    }
}
