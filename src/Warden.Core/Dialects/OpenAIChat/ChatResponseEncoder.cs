using System.Buffers;
using System.Text;
using System.Text.Json;
using Warden.Core.Canonical;
using Warden.Core.Chat;

namespace Warden.Core.Dialects.OpenAIChat;

/// <summary>
/// Writes a <see cref="CanonicalResponse"/> of any origin as a <c>chat.completion</c> for a Chat client. Reasoning
/// text goes to <c>message.reasoning_content</c>, the de-facto field DeepSeek/Qwen-style clients read. Opaque
/// reasoning (signatures, encrypted content, redacted thinking) has no place in a Chat answer and a Chat client could
/// not send it back anyway, so it is not written: for an answer that loses nothing the client could use.
/// </summary>
internal static class ChatResponseEncoder
{
    public static void Encode(CanonicalResponse response, CanonicalRequest request, long created, IBufferWriter<byte> output)
    {
        using var writer = new Utf8JsonWriter(output, ChatJson.WriterOptions);
        writer.WriteStartObject();
        writer.WriteString("id"u8, ChatIds.CompletionId(response.Id));
        writer.WriteString("object"u8, "chat.completion");
        writer.WriteNumber("created"u8, response.Created ?? created);
        writer.WriteString("model"u8, response.Model.Length > 0 ? response.Model : request.Model);
        writer.WriteStartArray("choices"u8);
        writer.WriteStartObject();
        writer.WriteNumber("index"u8, 0);
        writer.WriteStartObject("message"u8);
        writer.WriteString("role"u8, "assistant");

        StringBuilder? text = null;
        StringBuilder? reasoning = null;
        foreach (var block in response.Content)
        {
            switch (block)
            {
                case TextBlock t:
                    (text ??= new StringBuilder()).Append(t.Text);
                    break;
                case ReasoningBlock { Text: { } r }:
                    (reasoning ??= new StringBuilder()).Append(r);
                    break;
            }
        }

        if (text is null)
        {
            writer.WriteNull("content"u8);
        }
        else
        {
            writer.WriteString("content"u8, text.ToString());
        }

        if (reasoning is not null)
        {
            writer.WriteString("reasoning_content"u8, reasoning.ToString());
        }

        writer.WriteNull("refusal"u8);
        var calls = response.Content.OfType<ToolCallBlock>().ToList();
        if (calls.Count > 0)
        {
            writer.WriteStartArray("tool_calls"u8);
            foreach (var call in calls)
            {
                writer.WriteStartObject();
                writer.WriteString("id"u8, call.Id);
                writer.WriteString("type"u8, "function");
                writer.WriteStartObject("function"u8);
                writer.WriteString("name"u8, call.Name);
                writer.WriteString("arguments"u8, call.ArgumentsJson);
                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
        writer.WriteNull("logprobs"u8);
        writer.WriteString("finish_reason"u8, ChatFinishReasons.ToChat(response.StopReason));
        writer.WriteEndObject();
        writer.WriteEndArray();
        if (response.Usage.Source != UsageSource.NotReported)
        {
            ChatUsage.Write(writer, response.Usage);
        }

        writer.WriteEndObject();
    }
}
