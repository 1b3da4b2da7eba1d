using Warden.Core.Dialects.Anthropic;
using Warden.Core.Dialects.Gemini;
using Warden.Core.Dialects.OpenAIChat;
using Warden.Core.Dialects.Responses;

namespace Warden.Core.Canonical;

/// <summary>The codec of each dialect, in one place.</summary>
public static class DialectCodecs
{
    public static IDialectCodec For(WireDialectName dialect) => dialect switch
    {
        WireDialectName.OpenAIChat => OpenAIChatCodec.Instance,
        WireDialectName.Anthropic => AnthropicCodec.Instance,
        WireDialectName.Responses => ResponsesCodec.Instance,
        WireDialectName.Gemini => GeminiCodec.Instance,
        _ => throw new ArgumentOutOfRangeException(nameof(dialect), dialect, null),
    };
}
