using System.Runtime.CompilerServices;

namespace Warden.Core.Dialects.Anthropic;

/// <summary>Spellings of an Anthropic request that mean the same as the default but are kept for a faithful round trip.</summary>
[Flags]
internal enum AnthropicShape
{
    None = 0,

    /// <summary>The structured-output format came in output_config.format rather than the beta top-level output_format.</summary>
    FormatInOutputConfig = 1,

    /// <summary>A tool_result said is_error:false explicitly.</summary>
    ExplicitIsErrorFalse = 2,

    /// <summary>A tool said type:"custom" explicitly.</summary>
    ExplicitCustomType = 4,
}

/// <summary>
/// Remembers, per decoded object (request, block, tool), how an Anthropic client spelled something whose meaning is
/// canonical, so the same dialect gets the same spelling back. Other dialects never see these: they carry no meaning.
/// Held weakly; an object rebuilt by a policy simply gets the default spelling.
/// </summary>
internal static class AnthropicShapeHints
{
    private static readonly ConditionalWeakTable<object, StrongBox<AnthropicShape>> Hints = [];

    public static void Add(object target, AnthropicShape shape) => Hints.GetValue(target, _ => new StrongBox<AnthropicShape>()).Value |= shape;

    public static bool Has(object target, AnthropicShape shape) => Hints.TryGetValue(target, out var box) && (box.Value & shape) == shape;
}
