namespace Warden.Core.Dialects.OpenAIChat;

/// <summary>The few facts about a Chat Completions request that routing and metering need.</summary>
/// <param name="Model">The requested model.</param>
/// <param name="Stream">Whether the client asked for SSE.</param>
/// <param name="IncludeUsage">The client's <c>stream_options.include_usage</c>; null when absent.</param>
/// <param name="HasStreamOptions">Whether a <c>stream_options</c> member is present at all (even null).</param>
/// <param name="MaxOutputTokens">The client's <c>max_completion_tokens</c> or <c>max_tokens</c>, when given.</param>
public sealed record ChatRequestInfo(string Model, bool Stream, bool? IncludeUsage, bool HasStreamOptions, long? MaxOutputTokens);
