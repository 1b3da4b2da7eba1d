namespace Warden.Core.Dialects.OpenAIChat;

/// <summary>Chat completion ids for answers translated from another dialect: deterministic from the upstream's id.</summary>
internal static class ChatIds
{
    private const string Prefix = "chatcmpl-";

    /// <summary>The upstream id itself when it is already a Chat id, else "chatcmpl-" + the upstream id.</summary>
    public static string CompletionId(string upstreamId) =>
        upstreamId.StartsWith(Prefix, StringComparison.Ordinal) ? upstreamId : Prefix + upstreamId;
}
