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


    // OpenAI-compatible vendors (issue 22): one line each. Base URLs from each vendor's API reference; jurisdiction is
    // where the vendor is established and processes requests by default (an operator overrides it per channel).
    public static ProviderProfile OpenRouter { get; } = new(
        "openrouter", "OpenRouter", WireDialectName.OpenAIChat, new Uri("https://openrouter.ai/api/v1/"), AuthScheme.Bearer, "US", ProviderQuirks.None)
    { Note = "model ids are vendor/model (e.g. openai/gpt-4o); the request is served by whichever provider OpenRouter picks, so its jurisdiction is OpenRouter's, not the model maker's" };

    public static ProviderProfile Mistral { get; } = new(
        "mistral", "Mistral AI", WireDialectName.OpenAIChat, new Uri("https://api.mistral.ai/v1/"), AuthScheme.Bearer, "FR", ProviderQuirks.None);

    public static ProviderProfile Groq { get; } = new(
        "groq", "Groq", WireDialectName.OpenAIChat, new Uri("https://api.groq.com/openai/v1/"), AuthScheme.Bearer, "US", ProviderQuirks.None);

    public static ProviderProfile XAI { get; } = new(
        "xai", "xAI", WireDialectName.OpenAIChat, new Uri("https://api.x.ai/v1/"), AuthScheme.Bearer, "US", ProviderQuirks.None);

    public static ProviderProfile Together { get; } = new(
        "together", "Together AI", WireDialectName.OpenAIChat, new Uri("https://api.together.xyz/v1/"), AuthScheme.Bearer, "US", ProviderQuirks.None);

    public static ProviderProfile Fireworks { get; } = new(
        "fireworks", "Fireworks AI", WireDialectName.OpenAIChat, new Uri("https://api.fireworks.ai/inference/v1/"), AuthScheme.Bearer, "US", ProviderQuirks.None)
    { Note = "model ids are full paths (accounts/fireworks/models/...)" };

    public static ProviderProfile SiliconFlow { get; } = new(
        "siliconflow", "SiliconFlow", WireDialectName.OpenAIChat, new Uri("https://api.siliconflow.cn/v1/"), AuthScheme.Bearer, "CN", ProviderQuirks.None)
    { Note = "mainland endpoint; the international one is api.siliconflow.com (set the channel's base URL and jurisdiction)" };

    public static ProviderProfile Doubao { get; } = new(
        "doubao", "Doubao (Volcengine Ark)", WireDialectName.OpenAIChat, new Uri("https://ark.cn-beijing.volces.com/api/v3/"), AuthScheme.Bearer, "CN", ProviderQuirks.None)
    { Note = "the model is an Ark model id or an endpoint id (ep-...) created in the Ark console" };

    public static ProviderProfile Qianfan { get; } = new(
        "qianfan", "Baidu Qianfan (v2)", WireDialectName.OpenAIChat, new Uri("https://qianfan.baidubce.com/v2/"), AuthScheme.Bearer, "CN", ProviderQuirks.None)
    { Note = "v2 API with a bearer API key; the v1 API's access-token signing is not supported" };

    public static ProviderProfile Hunyuan { get; } = new(
        "hunyuan", "Tencent Hunyuan", WireDialectName.OpenAIChat, new Uri("https://api.hunyuan.cloud.tencent.com/v1/"), AuthScheme.Bearer, "CN", ProviderQuirks.None)
    { Note = "OpenAI-compatible endpoint with an API key; Tencent Cloud's TC3 signed API is not supported" };

    public static ProviderProfile MiniMax { get; } = new(
        "minimax", "MiniMax", WireDialectName.OpenAIChat, new Uri("https://api.minimaxi.com/v1/"), AuthScheme.Bearer, "CN", ProviderQuirks.None)
    { Note = "mainland endpoint; the international one is api.minimax.io (set the channel's base URL and jurisdiction)" };

    public static ProviderProfile StepFun { get; } = new(
        "stepfun", "StepFun", WireDialectName.OpenAIChat, new Uri("https://api.stepfun.com/v1/"), AuthScheme.Bearer, "CN", ProviderQuirks.None);

    public static ProviderProfile Spark { get; } = new(
        "spark", "iFlytek Spark", WireDialectName.OpenAIChat, new Uri("https://spark-api-open.xf-yun.com/v1/"), AuthScheme.Bearer, "CN", ProviderQuirks.None)
    { Note = "the HTTP API's APIPassword is the bearer credential; the WebSocket API is not supported" };

    public static ProviderProfile LingYi { get; } = new(
        "01ai", "01.AI (Lingyi Wanwu)", WireDialectName.OpenAIChat, new Uri("https://api.lingyiwanwu.com/v1/"), AuthScheme.Bearer, "CN", ProviderQuirks.None);

    public static ProviderProfile Baichuan { get; } = new(
        "baichuan", "Baichuan", WireDialectName.OpenAIChat, new Uri("https://api.baichuan-ai.com/v1/"), AuthScheme.Bearer, "CN", ProviderQuirks.None);

    // Azure OpenAI with a resource key: the channel's base URL names the resource and deployment
    // (https://RESOURCE.openai.azure.com/openai/deployments/DEPLOYMENT/), Warden appends chat/completions?api-version=.
    public static ProviderProfile AzureOpenAI { get; } = new(
        "azure-openai", "Azure OpenAI", WireDialectName.OpenAIChat, new Uri("https://resource.openai.azure.com/openai/deployments/deployment/"), AuthScheme.AzureApiKey, "US", ProviderQuirks.None)
    {
        RequestQuery = "api-version=2024-10-21",
        BaseUrlRequired = true,
        Note = "base URL https://RESOURCE.openai.azure.com/openai/deployments/DEPLOYMENT/ (one channel per deployment); api-key header; api-version 2024-10-21; set the jurisdiction of the resource's region",
    };

    // For any other vendor: the operator gives the base URL and should give the jurisdiction (UNKNOWN matches no
    // residency rule until they do, so nothing personal goes there by default).
    public static ProviderProfile OpenAICompatible { get; } = new(
        "openai-compatible", "OpenAI-compatible", WireDialectName.OpenAIChat, new Uri("https://api.example.invalid/v1/"), AuthScheme.Bearer, "UNKNOWN", ProviderQuirks.None)
    { Note = "any Chat Completions server: give --base-url and --jurisdiction", BaseUrlRequired = true };

    public static ProviderProfile AnthropicCompatible { get; } = new(
        "anthropic-compatible", "Anthropic-compatible", WireDialectName.Anthropic, new Uri("https://api.example.invalid/v1/"), AuthScheme.XApiKey, "UNKNOWN", ProviderQuirks.None)
    { Note = "any Messages API server (x-api-key): give --base-url and --jurisdiction", BaseUrlRequired = true };

    public static IReadOnlyList<ProviderProfile> All { get; } =
    [
        OpenAI, DeepSeek, Qwen, Glm, Moonshot, Vllm, Ollama, Simulator, OpenAIResponses, Anthropic, Gemini, SimulatorAnthropic, SimulatorResponses, SimulatorGemini,
        OpenRouter, Mistral, Groq, XAI, Together, Fireworks, SiliconFlow, Doubao, Qianfan, Hunyuan, MiniMax, StepFun, Spark, LingYi, Baichuan,
        AzureOpenAI, OpenAICompatible, AnthropicCompatible,
    ];

    private static readonly FrozenDictionary<string, ProviderProfile> ById =
        All.ToFrozenDictionary(p => p.Id, StringComparer.OrdinalIgnoreCase);

    public static ProviderProfile? Find(string id) => ById.GetValueOrDefault(id);
}
