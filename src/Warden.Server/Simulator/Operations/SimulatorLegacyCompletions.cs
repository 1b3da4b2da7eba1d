using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;

namespace Warden.Server.Simulator.Operations;

/// <summary>
/// Legacy completions in OpenAI's shape (POST /v1/completions), served by the chat models: <c>prompt</c> a string,
/// strings, a token array or token arrays; <c>n</c>; <c>max_tokens</c> (default 16, as OpenAI's); streamed as
/// <c>text_completion</c> chunks ending in <c>[DONE]</c>, with a usage chunk when <c>stream_options.include_usage</c>.
/// The text continues the prompt deterministically, so a client can recompute it: <see cref="TextFor"/>.
/// </summary>
internal static class SimulatorLegacyCompletions
{
    public const string Operation = "completions";

    public const int DefaultMaxTokens = 16;

    public static async Task HandleAsync(SimulatorOperationCall call)
    {
        using var document = await call.ReadJsonAsync();
        if (document is null)
        {
            return;
        }

        var root = document.RootElement;
        var error = SimulatorOperationFields.RequiredString(root, "model", out var model);
        call.Model = error is null ? model : null;
        var prompts = new List<string>();
        int? n = null;
        int? maxTokens = null;
        bool? stream = null;
        error ??= ReadPrompts(root, prompts)
            ?? SimulatorOperationFields.OptionalInt(root, "n", 1, 128, out n)
            ?? SimulatorOperationFields.OptionalInt(root, "max_tokens", 0, SimulatorModels.MaxOutputTokens, out maxTokens)
            ?? SimulatorOperationFields.OptionalBool(root, "stream", out stream)
            ?? SimulatorOperationFields.CheckModel(model, Operation);
        if (error is not null)
        {
            await call.RejectAsync(error);
            return;
        }

        bool includeUsage = root.TryGetProperty("stream_options", out var options) && options.ValueKind == JsonValueKind.Object
            && options.TryGetProperty("include_usage", out var flag) && flag.ValueKind == JsonValueKind.True;
        var choices = new List<(string Text, string Finish)>();
        foreach (var prompt in prompts)
        {
            for (int i = 0; i < (n ?? 1); i++)
            {
                choices.Add(TextFor(prompt, i, maxTokens ?? DefaultMaxTokens));
            }
        }

        int promptTokens = prompts.Sum(SimulatorTokens.Count);
        int completionTokens = choices.Sum(c => SimulatorTokens.Count(c.Text));
        var usage = new SimulatorUsage(promptTokens, completionTokens, promptTokens + completionTokens, 0, 0);
        string id = "cmpl-" + SimulatorSeed.Hex24(call.Id);
        call.Stream = stream == true;
        call.IncludeUsage = includeUsage;
        if (stream != true)
        {
            call.Usage = usage;
            await call.WriteJsonAsync(writer =>
            {
                WriteHead(writer, id, call.Created, model);
                writer.WriteStartArray("choices");
                for (int i = 0; i < choices.Count; i++)
                {
                    WriteChoice(writer, i, choices[i].Text, choices[i].Finish);
                }

                writer.WriteEndArray();
                WriteUsage(writer, usage);
                writer.WriteEndObject();
            });
            return;
        }

        var response = call.Context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        call.Context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        call.Started();
        using var events = new SimulatorEventStream(response.BodyWriter, call.Time, call.Pace);
        for (int i = 0; i < choices.Count; i++)
        {
            var text = choices[i].Text;
            for (int start = 0; start < text.Length; start += call.ChunkChars)
            {
                var writer = await events.BeginEventAsync(call.CancellationToken);
                WriteHead(writer, id, call.Created, model);
                writer.WriteStartArray("choices");
                WriteChoice(writer, i, text.Substring(start, Math.Min(call.ChunkChars, text.Length - start)), null);
                writer.WriteEndArray();
                writer.WriteEndObject();
                await events.EndEventAsync(call.CancellationToken);
            }

            var finish = await events.BeginEventAsync(call.CancellationToken);
            WriteHead(finish, id, call.Created, model);
            finish.WriteStartArray("choices");
            WriteChoice(finish, i, "", choices[i].Finish);
            finish.WriteEndArray();
            finish.WriteEndObject();
            await events.EndEventAsync(call.CancellationToken);
        }

        if (includeUsage)
        {
            var writer = await events.BeginEventAsync(call.CancellationToken);
            WriteHead(writer, id, call.Created, model);
            writer.WriteStartArray("choices");
            writer.WriteEndArray();
            WriteUsage(writer, usage);
            writer.WriteEndObject();
            await events.EndEventAsync(call.CancellationToken);
            call.Usage = usage;
        }

        await events.WriteDoneAsync(call.CancellationToken);
        await events.CompleteAsync(call.CancellationToken);
    }

    /// <summary>
    /// The continuation of one prompt for choice <paramref name="choice"/>: a fixed sentence naming the prompt's length
    /// and choice, cut to <paramref name="maxTokens"/> simulator tokens (finish_reason "length" when cut).
    /// </summary>
    public static (string Text, string Finish) TextFor(string prompt, int choice, int maxTokens)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        string full = $" continued by the simulator as choice {choice} of a prompt of {prompt.Length} characters, one word after another until the tokens run out.";
        int limit = checked(maxTokens * SimulatorTokens.CharsPerToken);
        return full.Length <= limit ? (full, "stop") : (full[..limit], "length");
    }

    private static void WriteHead(Utf8JsonWriter writer, string id, long created, string model)
    {
        writer.WriteStartObject();
        writer.WriteString("id", id);
        writer.WriteString("object", "text_completion");
        writer.WriteNumber("created", created);
        writer.WriteString("model", model);
    }

    private static void WriteChoice(Utf8JsonWriter writer, int index, string text, string? finish)
    {
        writer.WriteStartObject();
        writer.WriteString("text", text);
        writer.WriteNumber("index", index);
        writer.WriteNull("logprobs");
        writer.WriteString("finish_reason", finish);
        writer.WriteEndObject();
    }

    private static void WriteUsage(Utf8JsonWriter writer, SimulatorUsage usage)
    {
        writer.WriteStartObject("usage");
        writer.WriteNumber("prompt_tokens", usage.PromptTokens);
        writer.WriteNumber("completion_tokens", usage.CompletionTokens);
        writer.WriteNumber("total_tokens", usage.TotalTokens);
        writer.WriteEndObject();
    }

    private static SimulatorError? ReadPrompts(JsonElement root, List<string> prompts)
    {
        if (!root.TryGetProperty("prompt", out var prompt) || prompt.ValueKind == JsonValueKind.Null)
        {
            return SimulatorError.MissingParameter("prompt");
        }

        if (prompt.ValueKind == JsonValueKind.String)
        {
            prompts.Add(prompt.GetString()!);
            return null;
        }

        if (prompt.ValueKind != JsonValueKind.Array || prompt.GetArrayLength() == 0)
        {
            return SimulatorError.InvalidType("prompt", "a string, an array of strings or an array of token arrays");
        }

        if (prompt[0].ValueKind == JsonValueKind.Number)
        {
            return AddTokens(prompt, "prompt", prompts);
        }

        int index = 0;
        foreach (var item in prompt.EnumerateArray())
        {
            string param = $"prompt[{index++}]";
            var error = item.ValueKind switch
            {
                JsonValueKind.String => Add(item.GetString()!, prompts),
                JsonValueKind.Array => AddTokens(item, param, prompts),
                _ => SimulatorError.InvalidType(param, "a string or an array of token ids"),
            };
            if (error is not null)
            {
                return error;
            }
        }

        return null;
    }

    private static SimulatorError? Add(string text, List<string> prompts)
    {
        prompts.Add(text);
        return null;
    }

    /// <summary>A token array counts one token per id; its "text" (for the continuation) is one character per id.</summary>
    private static SimulatorError? AddTokens(JsonElement array, string param, List<string> prompts)
    {
        int count = 0;
        foreach (var id in array.EnumerateArray())
        {
            if (id.ValueKind != JsonValueKind.Number || !id.TryGetInt64(out long value) || value < 0)
            {
                return SimulatorError.InvalidType(param, "an array of non-negative integer token ids");
            }

            count++;
        }

        prompts.Add(new string('x', checked(count * SimulatorTokens.CharsPerToken)));
        return null;
    }
}
