using System.Net.ServerSentEvents;
using System.Text.Json;

namespace Warden.Server.Tests.Support;

/// <summary>Reads a whole SSE response the way a client does, with the BCL's SSE parser.</summary>
internal static class Sse
{
    public static async Task<List<string>> ReadDataAsync(HttpResponseMessage response)
    {
        await using var stream = await response.Content.ReadAsStreamAsync();
        var items = new List<string>();
        await foreach (var item in SseParser.Create(stream).EnumerateAsync())
        {
            items.Add(item.Data);
        }

        return items;
    }

    public static IEnumerable<JsonElement> JsonChunks(IEnumerable<string> data) =>
        data.Where(d => d != "[DONE]").Select(d => JsonDocument.Parse(d).RootElement);
}
