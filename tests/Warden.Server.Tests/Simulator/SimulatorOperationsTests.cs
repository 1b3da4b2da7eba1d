using System.Buffers.Binary;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Warden.Server.Simulator;
using Warden.Server.Simulator.Operations;

namespace Warden.Server.Tests.Simulator;

/// <summary>The simulator's operations besides chat (issue 22), over raw HTTP: shapes, determinism, usage and errors.</summary>
public sealed class SimulatorOperationsTests(SimulatorFixture fixture) : IClassFixture<SimulatorFixture>
{
    private readonly HttpClient _client = fixture.Client;

    [Fact]
    public async Task Embeddings_BatchOfStrings_UnitVectorsWhereSimilarTextsAreCloserAndUsageCountsTokens()
    {
        string[] texts = ["the cat sat on the mat", "a cat sat on a mat", "quarterly tax filing deadline"];
        using var answer = await PostJsonAsync("embeddings", """{"model":"sim-embed","input":["the cat sat on the mat","a cat sat on a mat","quarterly tax filing deadline"]}""");

        var root = answer.RootElement;
        Assert.Equal("list", root.GetProperty("object").GetString());
        Assert.Equal("sim-embed", root.GetProperty("model").GetString());
        var vectors = root.GetProperty("data").EnumerateArray().Select(item => item.GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToList();
        Assert.Equal(3, vectors.Count);
        Assert.All(vectors, v => Assert.Equal(256, v.Length));
        Assert.All(vectors, v => Assert.InRange(Math.Sqrt(v.Sum(x => (double)x * x)), 0.999, 1.001));
        Assert.True(SimulatorEmbedding.Cosine(vectors[0], vectors[1]) > SimulatorEmbedding.Cosine(vectors[0], vectors[2]) + 0.2);
        int expectedTokens = texts.Sum(t => (t.Length + 3) / 4);
        Assert.Equal(expectedTokens, root.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(expectedTokens, root.GetProperty("usage").GetProperty("total_tokens").GetInt32());
        Assert.Equal([0, 1, 2], root.GetProperty("data").EnumerateArray().Select(item => item.GetProperty("index").GetInt32()));
    }

    [Fact]
    public async Task Embeddings_Base64WithDimensions_DecodesToTheFloatAnswer()
    {
        using var floats = await PostJsonAsync("embeddings", """{"model":"sim-embed","input":"rivers and lakes","dimensions":64}""");
        using var packed = await PostJsonAsync("embeddings", """{"model":"sim-embed","input":"rivers and lakes","dimensions":64,"encoding_format":"base64"}""");

        var expected = floats.RootElement.GetProperty("data")[0].GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        var bytes = Convert.FromBase64String(packed.RootElement.GetProperty("data")[0].GetProperty("embedding").GetString()!);
        var decoded = Enumerable.Range(0, bytes.Length / 4).Select(i => BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * 4))).ToArray();
        Assert.Equal(64, expected.Length);
        Assert.Equal(expected, decoded);
    }

    [Fact]
    public async Task Embeddings_TokenArrays_CountOneTokenPerId()
    {
        using var answer = await PostJsonAsync("embeddings", """{"model":"sim-embed","input":[[1,2,3],[4,5]]}""");

        Assert.Equal(2, answer.RootElement.GetProperty("data").GetArrayLength());
        Assert.Equal(5, answer.RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Theory]
    [InlineData("""{"input":"x"}""", 400, "model", "missing_required_parameter")]
    [InlineData("""{"model":"sim-embed"}""", 400, "input", "missing_required_parameter")]
    [InlineData("""{"model":"sim-embed","input":42}""", 400, "input", "invalid_type")]
    [InlineData("""{"model":"sim-embed","input":["a",7]}""", 400, "input[1]", "invalid_type")]
    [InlineData("""{"model":"sim-embed","input":"x","encoding_format":"int8"}""", 400, "encoding_format", "invalid_value")]
    [InlineData("""{"model":"sim-embed","input":"x","dimensions":1000}""", 400, "dimensions", "invalid_value")]
    [InlineData("""{"model":"sim-small","input":"x"}""", 400, "model", "invalid_value")]
    [InlineData("""{"model":"text-embedding-9","input":"x"}""", 404, "model", "model_not_found")]
    public async Task Embeddings_BadInput_AnswersOpenAIErrorNamingTheField(string body, int status, string param, string code)
    {
        using var response = await _client.PostAsync("embeddings", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(status, (int)response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(param, error.RootElement.GetProperty("error").GetProperty("param").GetString());
        Assert.Equal(code, error.RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Embeddings_InjectedRateLimit_Answers429WithRetryAfterAndJournalsTheFault()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "embeddings") { Content = Json("""{"model":"sim-embed","input":"x"}""") };
        request.Headers.Add(SimulatorFaultPlan.HeaderName, "429-7");
        using var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter?.Delta);
        var entry = fixture.Host.Journal.Find(response.Headers.GetValues(SimulatorRequestId.HeaderName).Single());
        Assert.Equal(SimulatorOutcome.Faulted, entry!.Outcome);
        Assert.Equal("embeddings", entry.Dialect);
    }

    [Fact]
    public async Task Embeddings_Answered_JournalsOperationModelAndUsage()
    {
        using var response = await _client.PostAsync("embeddings", Json("""{"model":"sim-embed","input":"twelve chars"}"""));

        var entry = fixture.Host.Journal.Find(response.Headers.GetValues(SimulatorRequestId.HeaderName).Single())!;
        Assert.Equal("embeddings", entry.Dialect);
        Assert.Equal("sim-embed", entry.Model);
        Assert.Equal(3, entry.Usage!.PromptTokens);
        Assert.Equal(SimulatorOutcome.Completed, entry.Outcome);
    }

    [Fact]
    public async Task GeminiEmbedContent_SameTextAsOpenAI_SameVectorTruncatedToOutputDimensionality()
    {
        using var openai = await PostJsonAsync("embeddings", """{"model":"sim-embed","input":"mountain weather","dimensions":32}""");
        using var gemini = await PostJsonAsync(Gemini("sim-embed:embedContent"), """{"content":{"parts":[{"text":"mountain weather"}]},"taskType":"RETRIEVAL_QUERY","outputDimensionality":32}""");

        var values = gemini.RootElement.GetProperty("embedding").GetProperty("values").EnumerateArray().Select(v => v.GetSingle());
        Assert.Equal(openai.RootElement.GetProperty("data")[0].GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()), values);
    }

    [Fact]
    public async Task GeminiBatchEmbedContents_TwoRequests_AnswersTwoEmbeddingsInOrder()
    {
        using var batch = await PostJsonAsync(Gemini("sim-embed:batchEmbedContents"), """
            {"requests":[
              {"model":"models/sim-embed","content":{"parts":[{"text":"first"}]}},
              {"model":"models/sim-embed","content":{"parts":[{"text":"second"}]}}]}
            """);
        using var second = await PostJsonAsync(Gemini("sim-embed:embedContent"), """{"content":{"parts":[{"text":"second"}]}}""");

        var embeddings = batch.RootElement.GetProperty("embeddings").EnumerateArray().ToList();
        Assert.Equal(2, embeddings.Count);
        Assert.Equal(
            second.RootElement.GetProperty("embedding").GetProperty("values").EnumerateArray().Select(v => v.GetSingle()),
            embeddings[1].GetProperty("values").EnumerateArray().Select(v => v.GetSingle()));
    }

    [Theory]
    [InlineData("sim-embed:batchEmbedContents", """{"requests":[{"model":"models/other","content":{"parts":[{"text":"a"}]}}]}""", 400, "INVALID_ARGUMENT")]
    [InlineData("sim-embed:embedContent", """{"content":{"parts":[{"text":"a"}]},"taskType":"GUESSING"}""", 400, "INVALID_ARGUMENT")]
    [InlineData("sim-embed:embedContent", """{"taskType":"CLUSTERING"}""", 400, "INVALID_ARGUMENT")]
    [InlineData("sim-small:embedContent", """{"content":{"parts":[{"text":"a"}]}}""", 404, "NOT_FOUND")]
    public async Task GeminiEmbed_BadInput_AnswersGoogleError(string target, string body, int status, string googleStatus)
    {
        using var response = await _client.PostAsync(Gemini(target), new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(status, (int)response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(googleStatus, error.RootElement.GetProperty("error").GetProperty("status").GetString());
        Assert.Equal(status, error.RootElement.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Rerank_Documents_RanksTheSimilarDocumentFirstWithUsageAndSearchUnits()
    {
        using var answer = await PostJsonAsync("rerank", """
            {"model":"sim-rerank","query":"where did the cat sit","top_n":2,
             "documents":["the tax deadline is in april",{"text":"the cat sat on the mat"},"sunny weather today"]}
            """);

        var results = answer.RootElement.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(2, results.Count);
        Assert.Equal(1, results[0].GetProperty("index").GetInt32());
        Assert.Equal("the cat sat on the mat", results[0].GetProperty("document").GetProperty("text").GetString());
        Assert.True(results[0].GetProperty("relevance_score").GetDouble() > results[1].GetProperty("relevance_score").GetDouble());
        Assert.All(results, r => Assert.InRange(r.GetProperty("relevance_score").GetDouble(), 0, 1));
        Assert.Equal(1, answer.RootElement.GetProperty("meta").GetProperty("billed_units").GetProperty("search_units").GetInt32());
        Assert.True(answer.RootElement.GetProperty("usage").GetProperty("total_tokens").GetInt32() > 0);
    }

    [Fact]
    public async Task Rerank_MoreThanAHundredDocumentsWithoutDocuments_TwoSearchUnitsAndNoDocumentText()
    {
        var documents = string.Join(",", Enumerable.Range(0, 150).Select(i => $"\"document number {i}\""));
        using var answer = await PostJsonAsync("rerank", $$"""{"model":"sim-rerank","query":"number 7","return_documents":false,"documents":[{{documents}}]}""");

        Assert.Equal(2, answer.RootElement.GetProperty("meta").GetProperty("billed_units").GetProperty("search_units").GetInt32());
        Assert.Equal(150, answer.RootElement.GetProperty("results").GetArrayLength());
        Assert.All(answer.RootElement.GetProperty("results").EnumerateArray(), r => Assert.False(r.TryGetProperty("document", out _)));
    }

    [Theory]
    [InlineData("""{"model":"sim-rerank","documents":["a"]}""", "query")]
    [InlineData("""{"model":"sim-rerank","query":"q","documents":"a"}""", "documents")]
    [InlineData("""{"model":"sim-rerank","query":"q","documents":["a",{"title":"b"}]}""", "documents[1]")]
    [InlineData("""{"model":"sim-rerank","query":"q","documents":["a"],"top_n":0}""", "top_n")]
    public async Task Rerank_BadInput_Answers400NamingTheField(string body, string param)
    {
        using var response = await _client.PostAsync("rerank", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(param, error.RootElement.GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task ImagesGenerations_B64AndUrl_ValidPngOfThePromptsColourAtAScaledSize()
    {
        using var b64 = await PostJsonAsync("images/generations", """{"model":"sim-image","prompt":"a red fox","n":2,"size":"1024x1536","response_format":"b64_json"}""");
        using var url = await PostJsonAsync("images/generations", """{"model":"sim-image","prompt":"a red fox","response_format":"url"}""");
        using var other = await PostJsonAsync("images/generations", """{"model":"sim-image","prompt":"a blue whale"}""");

        var data = b64.RootElement.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(2, data.Count);
        var png = Convert.FromBase64String(data[0].GetProperty("b64_json").GetString()!);
        var (width, height, pixel) = DecodePng(png);
        Assert.Equal((16, 24), (width, height));
        Assert.Equal(SimulatorPng.ColourOf("a red fox"), pixel);
        Assert.Equal("1024x1536", b64.RootElement.GetProperty("size").GetString());
        Assert.Equal("standard", b64.RootElement.GetProperty("quality").GetString());
        Assert.StartsWith("data:image/png;base64,", url.RootElement.GetProperty("data")[0].GetProperty("url").GetString(), StringComparison.Ordinal);
        Assert.NotEqual(pixel, DecodePng(Convert.FromBase64String(other.RootElement.GetProperty("data")[0].GetProperty("b64_json").GetString()!)).Pixel);
    }

    [Theory]
    [InlineData("""{"model":"sim-image"}""", "prompt")]
    [InlineData("""{"model":"sim-image","prompt":"p","n":11}""", "n")]
    [InlineData("""{"model":"sim-image","prompt":"p","size":"7x7"}""", "size")]
    [InlineData("""{"model":"sim-image","prompt":"p","quality":"ultra"}""", "quality")]
    [InlineData("""{"model":"sim-embed","prompt":"p"}""", "model")]
    public async Task ImagesGenerations_BadInput_Answers400NamingTheField(string body, string param)
    {
        using var response = await _client.PostAsync("images/generations", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(param, error.RootElement.GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task ImagesEdits_Multipart_ColourDependsOnPromptAndImage()
    {
        var source = SimulatorPng.Create("source", 256, 256);
        using var form = new MultipartFormDataContent
        {
            { new StringContent("sim-image"), "model" },
            { new StringContent("make it blue"), "prompt" },
            { new ByteArrayContent(source) { Headers = { ContentType = new MediaTypeHeaderValue("image/png") } }, "image", "source.png" },
        };
        using var response = await _client.PostAsync("images/edits", form);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var png = Convert.FromBase64String(answer.RootElement.GetProperty("data")[0].GetProperty("b64_json").GetString()!);
        Assert.Equal(SimulatorPng.ColourOf(SimulatorImages.EditSeed("make it blue", source)), DecodePng(png).Pixel);
    }

    [Fact]
    public async Task ImagesEdits_NoImagePart_Answers400NamingImage()
    {
        using var form = new MultipartFormDataContent { { new StringContent("sim-image"), "model" }, { new StringContent("p"), "prompt" } };
        using var response = await _client.PostAsync("images/edits", form);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("image", error.RootElement.GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task Transcriptions_WavVerboseJson_ReportsTheHeadersDurationAndUsageSeconds()
    {
        var wav = MakeWav(seconds: 2.5);
        using var response = await _client.PostAsync("audio/transcriptions", AudioForm(wav, "verbose_json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = answer.RootElement;
        Assert.Equal(2.5, root.GetProperty("duration").GetDouble());
        Assert.Equal("transcribe", root.GetProperty("task").GetString());
        Assert.Equal(SimulatorAudio.TranscriptOf(wav, translate: false), root.GetProperty("text").GetString());
        Assert.Contains("2.50 seconds", root.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal("duration", root.GetProperty("usage").GetProperty("type").GetString());
        Assert.Equal(2.5, root.GetProperty("usage").GetProperty("seconds").GetDouble());
        Assert.Equal(2.5, root.GetProperty("segments")[0].GetProperty("end").GetDouble());
    }

    [Theory]
    [InlineData("text", "text/plain", "Simulated transcript of 1.25 seconds")]
    [InlineData("srt", "text/plain", "00:00:00,000 --> 00:00:01,250")]
    [InlineData("vtt", "text/vtt", "WEBVTT")]
    public async Task Transcriptions_TextFormats_AnswerPlainText(string format, string mediaType, string expected)
    {
        using var response = await _client.PostAsync("audio/transcriptions", AudioForm(MakeWav(seconds: 1.25), format));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(expected, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Translations_Wav_AnswersAnEnglishTranslation()
    {
        using var response = await _client.PostAsync("audio/translations", AudioForm(MakeWav(seconds: 1), "json"));

        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.StartsWith("Simulated English translation of 1.00 seconds", answer.RootElement.GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "sim-whisper", "file")]
    [InlineData(new byte[] { 1, 2 }, "", "model")]
    [InlineData(new byte[] { 1, 2 }, "sim-tts", "model")]
    public async Task Transcriptions_BadInput_Answers400NamingTheField(byte[]? file, string model, string param)
    {
        using var form = new MultipartFormDataContent { { new StringContent(model), "model" } };
        if (file is not null)
        {
            form.Add(new ByteArrayContent(file), "file", "audio.wav");
        }

        using var response = await _client.PostAsync("audio/transcriptions", form);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(param, error.RootElement.GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task Transcriptions_JsonBody_Answers400AskingForMultipart()
    {
        using var response = await _client.PostAsync("audio/transcriptions", Json("""{"model":"sim-whisper"}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Speech_Text_StreamsAWavFiftyMillisecondsPerCharacter()
    {
        string text = new('a', 100);
        using var request = new HttpRequestMessage(HttpMethod.Post, "audio/speech") { Content = Json($$"""{"model":"sim-tts","input":"{{text}}","voice":"alloy","response_format":"wav"}""") };
        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("audio/wav", response.Content.Headers.ContentType?.MediaType);
        Assert.Null(response.Content.Headers.ContentLength);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(SimulatorWav.HeaderBytes + (100 * 400 * 2), bytes.Length);
        Assert.Equal(5.0, SimulatorWav.Duration(bytes));
    }

    [Theory]
    [InlineData("""{"model":"sim-tts","voice":"alloy"}""", "input")]
    [InlineData("""{"model":"sim-tts","input":"hi"}""", "voice")]
    [InlineData("""{"model":"sim-tts","input":"hi","voice":"alloy","speed":9}""", "speed")]
    [InlineData("""{"model":"sim-tts","input":"hi","voice":"alloy","response_format":"midi"}""", "response_format")]
    public async Task Speech_BadInput_Answers400NamingTheField(string body, string param)
    {
        using var response = await _client.PostAsync("audio/speech", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(param, error.RootElement.GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task Moderations_MarkerWord_FlagsOnlyThatInputInTheNamedCategory()
    {
        using var answer = await PostJsonAsync("moderations", """{"input":["hello there","I sim-flag:hate this"]}""");

        var results = answer.RootElement.GetProperty("results").EnumerateArray().ToList();
        Assert.False(results[0].GetProperty("flagged").GetBoolean());
        Assert.True(results[1].GetProperty("flagged").GetBoolean());
        Assert.True(results[1].GetProperty("categories").GetProperty("hate").GetBoolean());
        Assert.False(results[1].GetProperty("categories").GetProperty("violence").GetBoolean());
        Assert.Equal(0.99, results[1].GetProperty("category_scores").GetProperty("hate").GetDouble());
        Assert.Equal(13, results[0].GetProperty("categories").EnumerateObject().Count());
        Assert.Equal("sim-moderation", answer.RootElement.GetProperty("model").GetString());
    }

    [Fact]
    public async Task Completions_TwoPrompts_AnswersTheirContinuationsAndUsage()
    {
        using var answer = await PostJsonAsync("completions", """{"model":"sim-small","prompt":["Once upon a time","Roses are red"],"max_tokens":100}""");

        var choices = answer.RootElement.GetProperty("choices").EnumerateArray().ToList();
        Assert.Equal("text_completion", answer.RootElement.GetProperty("object").GetString());
        Assert.Equal(SimulatorLegacyCompletions.TextFor("Once upon a time", 0, 100).Text, choices[0].GetProperty("text").GetString());
        Assert.Equal(1, choices[1].GetProperty("index").GetInt32());
        Assert.Equal("stop", choices[0].GetProperty("finish_reason").GetString());
        var usage = answer.RootElement.GetProperty("usage");
        Assert.Equal(4 + 4, usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(usage.GetProperty("prompt_tokens").GetInt32() + usage.GetProperty("completion_tokens").GetInt32(), usage.GetProperty("total_tokens").GetInt32());
    }

    [Fact]
    public async Task Completions_DefaultMaxTokens_CutsAtSixteenTokensWithLength()
    {
        using var answer = await PostJsonAsync("completions", """{"model":"sim-small","prompt":"Hi"}""");

        var choice = answer.RootElement.GetProperty("choices")[0];
        Assert.Equal("length", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(64, choice.GetProperty("text").GetString()!.Length);
    }

    [Fact]
    public async Task Completions_Stream_SendsTheSameTextThenUsageThenDone()
    {
        using var whole = await PostJsonAsync("completions", """{"model":"sim-large","prompt":"Stream me","max_tokens":50}""");
        using var response = await _client.PostAsync("completions", Json("""{"model":"sim-large","prompt":"Stream me","max_tokens":50,"stream":true,"stream_options":{"include_usage":true}}"""));

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(e => e["data: ".Length..]).ToList();
        Assert.Equal("[DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonDocument.Parse(e).RootElement).ToList();
        var text = string.Concat(chunks.SelectMany(c => c.GetProperty("choices").EnumerateArray()).Select(c => c.GetProperty("text").GetString()));
        Assert.Equal(whole.RootElement.GetProperty("choices")[0].GetProperty("text").GetString(), text);
        Assert.Equal("stop", chunks[^2].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal(
            whole.RootElement.GetProperty("usage").GetProperty("total_tokens").GetInt32(),
            chunks[^1].GetProperty("usage").GetProperty("total_tokens").GetInt32());
    }

    [Fact]
    public async Task Completions_EmbeddingModel_Answers400OnModel()
    {
        using var response = await _client.PostAsync("completions", Json("""{"model":"sim-embed","prompt":"x"}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Models_Lists_OperationModelsWithTheirOperations()
    {
        using var openai = JsonDocument.Parse(await _client.GetStringAsync("models"));
        using var gemini = JsonDocument.Parse(await _client.GetStringAsync(Gemini("")));

        var byId = openai.RootElement.GetProperty("data").EnumerateArray().ToDictionary(m => m.GetProperty("id").GetString()!);
        Assert.Equal("embeddings", byId["sim-embed"].GetProperty("operations")[0].GetString());
        Assert.Equal("rerank", byId["sim-rerank"].GetProperty("operations")[0].GetString());
        Assert.Equal(SimulatorModels.Served.Order(StringComparer.Ordinal), byId.Keys.Order(StringComparer.Ordinal));
        var embed = gemini.RootElement.GetProperty("models").EnumerateArray().Single(m => m.GetProperty("name").GetString() == "models/sim-embed");
        Assert.Contains("embedContent", embed.GetProperty("supportedGenerationMethods").EnumerateArray().Select(m => m.GetString()));
    }

    internal static byte[] MakeWav(double seconds, int sampleRate = 16_000)
    {
        int dataBytes = (int)(seconds * sampleRate) * 2;
        var wav = new byte[44 + dataBytes];
        "RIFF"u8.CopyTo(wav);
        BinaryPrimitives.WriteInt32LittleEndian(wav.AsSpan(4), 36 + dataBytes);
        "WAVEfmt "u8.CopyTo(wav.AsSpan(8));
        BinaryPrimitives.WriteInt32LittleEndian(wav.AsSpan(16), 16);
        BinaryPrimitives.WriteInt16LittleEndian(wav.AsSpan(20), 1);
        BinaryPrimitives.WriteInt16LittleEndian(wav.AsSpan(22), 1);
        BinaryPrimitives.WriteInt32LittleEndian(wav.AsSpan(24), sampleRate);
        BinaryPrimitives.WriteInt32LittleEndian(wav.AsSpan(28), sampleRate * 2);
        BinaryPrimitives.WriteInt16LittleEndian(wav.AsSpan(32), 2);
        BinaryPrimitives.WriteInt16LittleEndian(wav.AsSpan(34), 16);
        "data"u8.CopyTo(wav.AsSpan(36));
        BinaryPrimitives.WriteInt32LittleEndian(wav.AsSpan(40), dataBytes);
        for (int i = 44; i < wav.Length; i++)
        {
            wav[i] = (byte)(i * 7);
        }

        return wav;
    }

    /// <summary>Width, height and the first pixel of an 8-bit RGB PNG, read back with the standard zlib decoder.</summary>
    internal static (int Width, int Height, (byte R, byte G, byte B) Pixel) DecodePng(byte[] png)
    {
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A], png[..8]);
        int width = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16));
        int height = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20));
        int position = 8;
        using var idat = new MemoryStream();
        while (position < png.Length)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(position));
            string type = Encoding.ASCII.GetString(png, position + 4, 4);
            if (type == "IDAT")
            {
                idat.Write(png, position + 8, length);
            }

            position += 12 + length;
        }

        idat.Position = 0;
        using var zlib = new ZLibStream(idat, CompressionMode.Decompress);
        var row = new byte[1 + (width * 3)];
        zlib.ReadExactly(row);
        return (width, height, (row[1], row[2], row[3]));
    }

    private static MultipartFormDataContent AudioForm(byte[] wav, string format) => new()
    {
        { new StringContent("sim-whisper"), "model" },
        { new StringContent(format), "response_format" },
        { new ByteArrayContent(wav) { Headers = { ContentType = new MediaTypeHeaderValue("audio/wav") } }, "file", "speech.wav" },
    };

    private Uri Gemini(string target) => new(fixture.Host.GeminiBaseUrl, "models/" + target);

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private Task<JsonDocument> PostJsonAsync(string path, string body) => PostJsonAsync(new Uri(_client.BaseAddress!, path), body);

    private async Task<JsonDocument> PostJsonAsync(Uri url, string body)
    {
        using var response = await _client.PostAsync(url, Json(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text);
    }
}
