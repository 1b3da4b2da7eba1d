#pragma warning disable OPENAI001 // Some of the SDK's audio and image options are marked experimental; the wire shapes are what is under test.

using System.ClientModel;
using OpenAI;
using OpenAI.Audio;
using OpenAI.Embeddings;
using OpenAI.Images;
using OpenAI.Moderations;
using Warden.Server.Simulator.Operations;

namespace Warden.Server.Tests.Simulator;

/// <summary>The official OpenAI .NET SDK against the simulator's operations (issue 22): proof its answers are accepted as the real API's.</summary>
public sealed class SimulatorOperationsSdkTests(SimulatorFixture fixture) : IClassFixture<SimulatorFixture>
{
    [Fact]
    public async Task Embeddings_OfficialSdk_ReadsVectorsAndUsage()
    {
        var client = new EmbeddingClient("sim-embed", new ApiKeyCredential("sk-unused"), Options());

        OpenAIEmbeddingCollection embeddings = await client.GenerateEmbeddingsAsync(["a cat on a mat", "a cat on the mat"], new EmbeddingGenerationOptions { Dimensions = 64 });

        Assert.Equal(2, embeddings.Count);
        Assert.All(embeddings, e => Assert.Equal(64, e.ToFloats().Length));
        Assert.Equal(SimulatorEmbedding.Of("a cat on a mat", 64), embeddings[0].ToFloats().ToArray());
        Assert.Equal(8, embeddings.Usage.InputTokenCount);
    }

    [Fact]
    public async Task ImageGeneration_OfficialSdk_ReadsThePng()
    {
        var client = new ImageClient("sim-image", new ApiKeyCredential("sk-unused"), Options());

        GeneratedImage image = await client.GenerateImageAsync("a lighthouse", new ImageGenerationOptions { ResponseFormat = GeneratedImageFormat.Bytes, Size = GeneratedImageSize.W1024xH1024 });

        var (width, _, pixel) = SimulatorOperationsTests.DecodePng(image.ImageBytes.ToArray());
        Assert.Equal(16, width);
        Assert.Equal(SimulatorPng.ColourOf("a lighthouse"), pixel);
    }

    [Fact]
    public async Task Transcription_OfficialSdkVerbose_ReadsTextAndDuration()
    {
        var client = new AudioClient("sim-whisper", new ApiKeyCredential("sk-unused"), Options());
        var wav = SimulatorOperationsTests.MakeWav(seconds: 3);
        using var audio = new MemoryStream(wav);

        AudioTranscription transcription = await client.TranscribeAudioAsync(audio, "speech.wav", new AudioTranscriptionOptions { ResponseFormat = AudioTranscriptionFormat.Verbose });

        Assert.Equal(SimulatorAudio.TranscriptOf(wav, translate: false), transcription.Text);
        Assert.Equal(TimeSpan.FromSeconds(3), transcription.Duration);
    }

    [Fact]
    public async Task Speech_OfficialSdk_ReceivesTheWav()
    {
        var client = new AudioClient("sim-tts", new ApiKeyCredential("sk-unused"), Options());

        BinaryData speech = await client.GenerateSpeechAsync("Hello there", GeneratedSpeechVoice.Alloy, new SpeechGenerationOptions { ResponseFormat = GeneratedSpeechFormat.Wav });

        Assert.Equal(0.55, SimulatorWav.Duration(speech.ToArray()));
    }

    [Fact]
    public async Task Moderation_OfficialSdk_ReadsTheFlag()
    {
        var client = new ModerationClient("sim-moderation", new ApiKeyCredential("sk-unused"), Options());

        ModerationResult flagged = await client.ClassifyTextAsync("this is sim-flag:hate");
        ModerationResult clean = await client.ClassifyTextAsync("a kind word");

        Assert.True(flagged.Flagged);
        Assert.True(flagged.Hate.Flagged);
        Assert.False(clean.Flagged);
    }

    private OpenAIClientOptions Options() => new() { Endpoint = fixture.Host.BaseUrl };
}
