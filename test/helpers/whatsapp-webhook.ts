/**
 * The WhatsApp Cloud API webhook envelope, as Meta delivers it, around one change's value (`messages` with
 * `contacts`, or `statuses`) for a phone-number id.
 */
export function whatsAppWebhook(phoneNumberId: string, value: Record<string, unknown>) {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: phoneNumberId },
              ...value,
            },
          },
        ],
      },
    ],
  };
}
