using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace Warden.Server.Simulator;

/// <summary>OpenAI Chat Completions: POST /v1/chat/completions, chat.completion bodies and chat.completion.chunk streams.</summary>
internal sealed class SimulatorChatWire : SimulatorWire
{
    public override SimulatorDialect Dialect => SimulatorDialect.OpenAIChat;

    public override bool TryParse(
        HttpContext context,
        JsonElement root,
        bool countOnly,
        [NotNullWhen(true)] out SimulatorChatRequest? request,
        [NotNullWhen(false)] out SimulatorError? error) => SimulatorOpenAIChatRequest.TryParse(root, out request, out error);

    public override string ResponseId(string simRequestId) => SimulatorAnswerComposer.CompletionId(simRequestId);

    public override void WriteResponse(Utf8JsonWriter writer, SimulatorCompletionMeta meta, SimulatorChatRequest request, SimulatorAnswer answer, bool includeUsage) =>
        ChatCompletionJson.WriteCompletion(writer, meta, answer, includeUsage);

    public override bool StreamsUsage(SimulatorChatRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.IncludeUsage;
    }

    public override SimulatorStreamWriter CreateStreamWriter(
        SimulatorChatRequest request,
        SimulatorAnswer answer,
        SimulatorCompletionMeta meta,
        IReadOnlyList<SimulatorStreamDelta> plan,
        bool sendUsage) => new ChatStream(answer, meta, plan, sendUsage);

    /// <summary>Role chunk, one chunk per delta, finish chunk, optional usage chunk, [DONE].</summary>
    private sealed class ChatStream(SimulatorAnswer answer, SimulatorCompletionMeta meta, IReadOnlyList<SimulatorStreamDelta> plan, bool sendUsage)
        : SimulatorStreamWriter
    {
        private static readonly byte[] Broken = "{\"id\": broken json"u8.ToArray();

        public override ReadOnlyMemory<byte> MalformedJson => Broken;

        public override async ValueTask WriteStartAsync(SimulatorEventStream events, CancellationToken cancellationToken)
        {
            ChatCompletionJson.WriteRoleChunk(await events.BeginEventAsync(cancellationToken), meta, sendUsage);
            await events.EndEventAsync(cancellationToken);
        }

        public override async ValueTask WriteDeltaAsync(SimulatorEventStream events, int index, CancellationToken cancellationToken)
        {
            var delta = plan[index];
            var writer = await events.BeginEventAsync(cancellationToken);
            switch (delta.Kind)
            {
                case SimulatorStreamDeltaKind.Reasoning:
                    ChatCompletionJson.WriteReasoningChunk(writer, meta, answer.ReasoningContent.AsSpan()[delta.Text], sendUsage);
                    break;
                case SimulatorStreamDeltaKind.Content:
                    ChatCompletionJson.WriteContentChunk(writer, meta, answer.Content.AsSpan()[delta.Text], sendUsage);
                    break;
                case SimulatorStreamDeltaKind.ToolCallStart:
                    ChatCompletionJson.WriteToolCallStartChunk(writer, meta, delta.CallIndex, answer.ToolCalls[delta.CallIndex], sendUsage);
                    break;
                default:
                    ChatCompletionJson.WriteToolCallArgumentsChunk(writer, meta, delta.CallIndex, answer.ToolCalls[delta.CallIndex].Arguments.AsSpan()[delta.Text], sendUsage);
                    break;
            }

            await events.EndEventAsync(cancellationToken);
        }

        public override async ValueTask WriteMidstreamErrorAsync(SimulatorEventStream events, SimulatorError error, CancellationToken cancellationToken)
        {
            var writer = await events.BeginEventAsync(cancellationToken);
            writer.WriteStartObject();
            SimulatorJson.WriteOpenAIErrorBody(writer, error with { Type = "server_error" });
            writer.WriteEndObject();
            await events.EndEventAsync(cancellationToken);
        }

        public override async ValueTask WriteFinishAsync(SimulatorEventStream events, CancellationToken cancellationToken)
        {
            ChatCompletionJson.WriteFinishChunk(await events.BeginEventAsync(cancellationToken), meta, answer.FinishReason, sendUsage);
            await events.EndEventAsync(cancellationToken);
            if (sendUsage)
            {
                await events.BeforeUsageAfterFinishAsync(cancellationToken);
                ChatCompletionJson.WriteUsageChunk(await events.BeginEventAsync(cancellationToken), meta, answer.Usage);
                await events.EndEventAsync(cancellationToken);
            }

            await events.WriteDoneAsync(cancellationToken);
        }
    }
}
