using System.Text;
using System.Text.Json.Nodes;

namespace Warden.Server.Tests.Hardening;

/// <summary>
/// Requests real clients sent (shared/wire/requests, copied into WireSamples/ beside this file, and the agent captures
/// in ClientCaptures/), as body bytes per protocol with the model renamed to one the simulator serves, so a mutation
/// starts from what a client would really send.
/// </summary>
internal static class WireSamples
{
    private static readonly Lazy<Dictionary<string, List<byte[]>>> Loaded = new(Load);

    /// <summary>The recorded bodies of <paramref name="protocol"/> ("chat", "responses", "anthropic", "gemini").</summary>
    public static IReadOnlyList<byte[]> For(string protocol) => Loaded.Value.GetValueOrDefault(protocol) ?? [];

    private static Dictionary<string, List<byte[]>> Load()
    {
        var byProtocol = new Dictionary<string, List<byte[]>>(StringComparer.Ordinal);
        string[] folders = [Path.Combine(AppContext.BaseDirectory, "Hardening", "WireSamples"), Path.Combine(AppContext.BaseDirectory, "ClientCaptures")];
        foreach (string file in folders.Where(Directory.Exists).SelectMany(f => Directory.GetFiles(f, "*.json")).Order(StringComparer.Ordinal))
        {
            var sample = JsonNode.Parse(File.ReadAllText(file))!;
            string path = (string)sample["path"]!;
            if (sample["body"] is not JsonObject body)
            {
                continue;
            }

            string protocol = WireRoute.ProtocolOf(path);
            if (protocol != "gemini")
            {
                body["model"] = "sim-small";
            }

            if (!byProtocol.TryGetValue(protocol, out var list))
            {
                byProtocol[protocol] = list = [];
            }

            list.Add(Encoding.UTF8.GetBytes(body.ToJsonString()));
        }

        return byProtocol;
    }
}
