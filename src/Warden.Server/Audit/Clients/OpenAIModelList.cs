using System.Text.Json;

namespace Warden.Server.Audit.Clients;

/// <summary>
/// The <c>GET models</c> list of OpenAI and Anthropic: <c>{"data":[{"id":…}, …]}</c>. Anthropic pages it with
/// <c>has_more</c> and <c>last_id</c> (the next page is <c>?after_id=</c>); OpenAI answers in one page.
/// </summary>
internal static class OpenAIModelList
{
    public static (JsonElement? Entry, string? NextPage) Find(JsonElement root, string model)
    {
        foreach (var entry in AuditJson.Items(root, "data"))
        {
            if (string.Equals(AuditJson.String(entry, "id"), model, StringComparison.Ordinal))
            {
                return (entry.Clone(), null);
            }
        }

        return (null, AuditJson.True(root, "has_more") ? AuditJson.String(root, "last_id") : null);
    }
}
