import { readModelAnswer } from '../../src/model/openai';
import { ModelError } from '../../src/model/types';

const answer = (fields: Record<string, unknown>) => JSON.stringify(fields);
const full = { reply: 'Gerne schicke ich Ihnen die Preisliste.', confidence: 0.9, detectedAction: 'pricing', reasoning: 'asks for prices' };

describe('reading the model answer', () => {
  it('believes an answer that fits the schema', () => {
    expect(readModelAnswer(answer(full))).toEqual(full);
  });

  it.each([
    ['a confidence above 1', { ...full, confidence: 7 }, ['confidence_out_of_range']],
    ['a negative confidence', { ...full, confidence: -0.2 }, ['confidence_out_of_range']],
    ['a confidence written as text', { ...full, confidence: '0.9' }, ['confidence_not_a_number']],
    ['no confidence', { ...full, confidence: undefined }, ['confidence_missing']],
    ['an unknown detectedAction', { ...full, detectedAction: 'upsell' }, ['detected_action_unknown']],
    ['no detectedAction and no reasoning', { reply: full.reply, confidence: 0.9 }, ['detected_action_missing', 'reasoning_missing']],
    ['a reply over 8000 characters', { ...full, reply: 'a'.repeat(8001) }, ['reply_too_long']],
  ])('keeps the text of %s with confidence 0 and names the problems', (_name, fields, issues) => {
    const reply = readModelAnswer(answer(fields));
    expect(reply).toMatchObject({ confidence: 0, issues });
    expect(reply.reply).toBe((fields as { reply: string }).reply);
    expect(['pricing', 'unclear']).toContain(reply.detectedAction);
  });

  it('labels an unknown action unclear rather than guessing', () => {
    expect(readModelAnswer(answer({ ...full, detectedAction: 'upsell' })).detectedAction).toBe('unclear');
  });

  it('reads JSON a server wrapped in a Markdown fence', () => {
    expect(readModelAnswer('```json\n' + answer(full) + '\n```')).toEqual(full);
  });

  it('cuts over-long reasoning without withdrawing the confidence', () => {
    const reply = readModelAnswer(answer({ ...full, reasoning: 'x'.repeat(3000) }));
    expect(reply).toMatchObject({ confidence: 0.9, reasoning: 'x'.repeat(2000) });
    expect(reply.issues).toBeUndefined();
  });

  it.each([
    ['prose', 'Sure! Here is a reply.'],
    ['nothing', ''],
    ['null content', null],
    ['JSON without a reply', answer({ confidence: 0.9, detectedAction: 'pricing', reasoning: 'r' })],
    ['an empty reply', answer({ ...full, reply: '' })],
    ['a blank reply', answer({ ...full, reply: ' \n ' })],
    ['a reply that is not text', answer({ ...full, reply: 42 })],
    ['a JSON array', '["Gerne"]'],
    ['cut-off JSON', '{"reply":"Gerne schicke ich'],
  ])('is an invalid_output error when there is no usable text: %s', (_name, content) => {
    const thrown = (() => {
      try {
        readModelAnswer(content);
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(thrown).toBeInstanceOf(ModelError);
    expect(thrown).toMatchObject({ reason: 'invalid_output', retryable: false });
  });
});
