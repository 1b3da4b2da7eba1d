using System.Collections.Frozen;

using Warden.Core.Canonical;

namespace Warden.Core.Providers;

/// <summary>The provider profiles Warden knows. Adding a compatible vendor is adding a line here.</summary>
public static class ProviderProfiles
{
    public static ProviderProfile OpenAI { get; } = new(
        "openai", "OpenAI", WireDialectName.OpenAIChat, new Uri("https://api.openai.com/v1/"), AuthScheme.Bearer, "US", ProviderQuirks.None);

    public static ProviderProfile DeepSeek { get; } = new(
        "deepseek", "DeepSeek", WireDialectName.OpenAIChat, new Uri("https://api.deepseek.com/v1/"), AuthScheme.Bearer, "CN", ProviderQuirks.None);

    // DashScope's OpenAI-compatible mode (international endpoint); the mainland endpoint is a channel base URL away.
    public static ProviderProfile Qwen { get; } = new(
        "qwen", "Qwen (DashScope compatible mode)", WireDialectName.OpenAIChat, new Uri("https://dashscope-intl.aliyuncs.com/compatible-mode/v1/"), AuthScheme.Bearer, "SG", ProviderQuirks.None);

    public static ProviderProfile Glm { get; } = new(
        "glm", "Zhipu GLM", WireDialectName.OpenAIChat, new Uri("https://open.bigmodel.cn/api/paas/v4/"), AuthScheme.Bearer, "CN", ProviderQuirks.None);

    public static ProviderProfile Moonshot { get; } = new(
        "moonshot", "Moonshot", WireDialectName.OpenAIChat, new Uri("https://api.moonshot.cn/v1/"), AuthScheme.Bearer, "CN", ProviderQuirks.None);

    public static ProviderProfile Vllm { get; } = new(
        "vllm", "vLLM", WireDialectName.OpenAIChat, new Uri("http://127.0.0.1:8000/v1/"), AuthScheme.Bearer, "local", ProviderQuirks.LocalNetwork);

    // Ollama's OpenAI-compatible endpoint needs no credential.
    public static ProviderProfile Ollama { get; } = new(
        "ollama", "Ollama", WireDialectName.OpenAIChat, new Uri("http://127.0.0.1:11434/v1/"), AuthScheme.None, "local", ProviderQuirks.LocalNetwork);

    public static ProviderProfile Simulator { get; } = new(
        "simulator", "Warden simulator", WireDialectName.OpenAIChat, new Uri("http://127.0.0.1:8081/v1/"), AuthScheme.Bearer, "local", ProviderQuirks.LocalNetwork);

    public static ProviderProfile OpenAIResponses { get; } = new(
        "openai-responses", "OpenAI (Responses API)", WireDialectName.Responses, new Uri("https://api.openai.com/v1/"), AuthScheme.Bearer, "US", ProviderQuirks.None);

    public static ProviderProfile Anthropic { get; } = new(
        "anthropic", "Anthropic", WireDialectName.Anthropic, new Uri("https://api.anthropic.com/v1/"), AuthScheme.XApiKey, "US", ProviderQuirks.None);

    public static ProviderProfile Gemini { get; } = new(
        "gemini", "Google Gemini API", WireDialectName.Gemini, new Uri("https://generativelanguage.googleapis.com/v1beta/"), AuthScheme.GoogApiKey, "US", ProviderQuirks.None);

    // The simulator speaks every dialect on one port: one profile per dialect, so a channel says which it uses.
    public static ProviderProfile SimulatorAnthropic { get; } = new(
        "simulator-anthropic", "Warden simulator (Anthropic)", WireDialectName.Anthropic, new Uri("http://127.0.0.1:8081/v1/"), AuthScheme.XApiKey, "local", ProviderQuirks.LocalNetwork);

    public static ProviderProfile SimulatorResponses { get; } = new(
        "simulator-responses", "Warden simulator (Responses)", WireDialectName.Responses, new Uri("http://127.0.0.1:8081/v1/"), AuthScheme.Bearer, "local", ProviderQuirks.LocalNetwork);

    public static ProviderProfile SimulatorGemini { get; } = new(
        "simulator-gemini", "Warden simulator (Gemini)", WireDialectName.Gemini, new Uri("http://127.0.0.1:8081/v1beta/"), AuthScheme.GoogApiKey, "local", ProviderQuirks.LocalNetwork);

    public static IReadOnlyList<ProviderProfile> All { get; } =
        [OpenAI, DeepSeek, Qwen, Glm, Moonshot, Vllm, Ollama, Simulator, OpenAIResponses, Anthropic, Gemini, SimulatorAnthropic, SimulatorResponses, SimulatorGemini];

    private static readonly FrozenDictionary<string, ProviderProfile> ById =
        All.ToFrozenDictionary(p => p.Id, StringComparer.OrdinalIgnoreCase);

    public static ProviderProfile? Find(string id) => ById.GetValueOrDefault(id);
}
