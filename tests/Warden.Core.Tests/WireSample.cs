using System.Net.ServerSentEvents;
using System.Text;

namespace Warden.Core.Tests;

/// <summary>Reads the captured wire samples copied next to the test assembly.</summary>
internal static class WireSample
{
    public static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "WireSamples", name);

    public static byte[] Bytes(string name) => File.ReadAllBytes(PathOf(name));

    /// <summary>The data of every SSE event in a sample, as UTF-8, with the <c>[DONE]</c> sentinel left out.</summary>
    public static List<byte[]> SseDataChunks(string name)
    {
        using var stream = File.OpenRead(PathOf(name));
        var chunks = new List<byte[]>();
        foreach (SseItem<string> item in SseParser.Create(stream).Enumerate())
        {
            if (item.Data == "[DONE]")
            {
                continue;
            }

            chunks.Add(Encoding.UTF8.GetBytes(item.Data));
        }

        return chunks;
    }
}
