using Warden.Core.Canonical;

namespace Warden.Core.Dialects.Anthropic;

/// <summary>Names of dialects and of their request fields as people know them, for refusal messages.</summary>
internal static class DialectNames
{
    public static string Of(WireDialectName dialect) => dialect switch
    {
        WireDialectName.OpenAIChat => "OpenAI Chat Completions",
        WireDialectName.Anthropic => "Anthropic Messages",
        WireDialectName.Responses => "OpenAI Responses",
        WireDialectName.Gemini => "Gemini",
        _ => dialect.ToString(),
    };

    /// <summary>Where the client put its structured-output format.</summary>
    public static string OutputFormatField(WireDialectName origin) => origin switch
    {
        WireDialectName.OpenAIChat => "response_format",
        WireDialectName.Responses => "text.format",
        WireDialectName.Gemini => "generationConfig.responseMimeType",
        _ => "output_format",
    };

    /// <summary>Where the client put its reasoning effort.</summary>
    public static string EffortField(WireDialectName origin) => origin switch
    {
        WireDialectName.OpenAIChat => "reasoning_effort",
        WireDialectName.Responses => "reasoning.effort",
        WireDialectName.Gemini => "generationConfig.thinkingConfig.thinkingLevel",
        _ => "output_config.effort",
    };
}
