using System.Text.Json;
using Warden.Core.Canonical;
using Warden.Core.Chat;

namespace Warden.Core.Dialects.OpenAIChat;

/// <summary>
/// Reads a non-streamed Chat Completions answer (<c>chat.completion</c>) into a <see cref="CanonicalResponse"/>:
/// reasoning (<c>reasoning_content</c>, or <c>reasoning</c> as some vendors name it), text, a refusal as text, then
/// tool calls; finish_reason through <see cref="ChatFinishReasons"/>; usage through <see cref="ChatUsage"/>.
/// Only the first choice is read: translation refuses n &gt; 1 before a request goes out.
/// </summary>
internal static class ChatResponseDecoder
{
    public static bool TryDecode(ReadOnlySpan<byte> body, out CanonicalResponse response)
    {
        response = null!;
        try
        {
            using var document = JsonDocument.Parse(body.ToArray(), ChatJson.DocumentOptions);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("choices", out var choices) || choices.ValueKind != JsonValueKind.Array
                || choices.GetArrayLength() == 0 || choices[0].ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            var choice = choices[0];
            var content = new List<ContentBlock>();
            if (choice.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.Object)
            {
                ReadMessage(message, content);
            }

            var usage = root.TryGetProperty("usage", out var usageElement) ? ChatUsage.Read(usageElement) : Usage.NotReported;
            long? created = root.TryGetProperty("created", out var createdElement) && createdElement.TryGetInt64(out long c) ? c : null;
            response = new CanonicalResponse(
                ChatJson.GetString(root, "id") ?? string.Empty,
                ChatJson.GetString(root, "model") ?? string.Empty,
                content,
                ChatFinishReasons.ToCanonical(ChatJson.GetString(choice, "finish_reason")),
                usage)
            {
                Created = created,
            };
            return true;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            return false;
        }
    }

    /// <summary>The reasoning text of a message or delta: DeepSeek/Qwen <c>reasoning_content</c>, else vLLM/OpenRouter <c>reasoning</c>.</summary>
    public static string? ReasoningText(JsonElement message) =>
        ChatJson.GetString(message, "reasoning_content") ?? ChatJson.GetString(message, "reasoning");

    private static void ReadMessage(JsonElement message, List<ContentBlock> content)
    {
        if (ReasoningText(message) is { Length: > 0 } reasoning)
        {
            content.Add(new ReasoningBlock(reasoning, null, null, null, null, WireDialectName.OpenAIChat));
        }

        if (ChatJson.GetString(message, "content") is { Length: > 0 } text)
        {
            content.Add(new TextBlock(text));
        }

        if (ChatJson.GetString(message, "refusal") is { Length: > 0 } refusal)
        {
            // The model's refusal is what it said: other dialects show it as text.
            content.Add(new TextBlock(refusal));
        }

        if (message.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
        {
            foreach (var call in calls.EnumerateArray())
            {
                if (call.TryGetProperty("function", out var function) && function.ValueKind == JsonValueKind.Object)
                {
                    content.Add(new ToolCallBlock(
                        ChatJson.GetString(call, "id") ?? string.Empty,
                        ChatJson.GetString(function, "name") ?? string.Empty,
                        ChatJson.GetString(function, "arguments") ?? string.Empty));
                }
            }
        }
    }
}
