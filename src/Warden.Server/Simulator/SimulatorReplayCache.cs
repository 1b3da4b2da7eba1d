using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Warden.Server.Simulator;

/// <summary>
/// The replay mode's store: the first answer to a conversation, given again to every later request with the same
/// conversation, whatever its temperature. Bounded, so a long run cannot grow it without limit; past the bound new
/// conversations are answered fresh (a replaying relay's cache is finite too).
/// </summary>
internal sealed class SimulatorReplayCache
{
    private const int Capacity = 10_000;

    private readonly ConcurrentDictionary<string, SimulatorAnswer> _answers = new(StringComparer.Ordinal);

    /// <summary>
    /// The key of a request: its dialect, model and the conversation as sent (messages and system prompt in the dialect's
    /// fields), hashed so that no prompt text is kept.
    /// </summary>
    public static string Key(SimulatorDialect dialect, string model, JsonElement root)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{dialect}\n{model}\n"));
        foreach (var name in Fields(dialect))
        {
            hash.AppendData(Encoding.UTF8.GetBytes(name + "\n"));
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var value))
            {
                hash.AppendData(Encoding.UTF8.GetBytes(value.GetRawText()));
            }

            hash.AppendData("\n"u8);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    public SimulatorAnswer GetOrAdd(string key, Func<SimulatorAnswer> compose)
    {
        ArgumentNullException.ThrowIfNull(compose);
        if (_answers.TryGetValue(key, out var answer))
        {
            return answer;
        }

        answer = compose();
        return _answers.Count < Capacity ? _answers.GetOrAdd(key, answer) : answer;
    }

    private static string[] Fields(SimulatorDialect dialect) => dialect switch
    {
        SimulatorDialect.Anthropic => ["system", "messages"],
        SimulatorDialect.Responses => ["instructions", "input"],
        SimulatorDialect.Gemini => ["systemInstruction", "contents"],
        _ => ["messages"],
    };
}
