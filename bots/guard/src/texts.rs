//! The guard's messages, in every language.

use lambdagram::i18n::Text;

/// A group command (`/protect`, `/status`, `/settings`, …) sent to the bot in private.
pub const USE_IN_GROUP: Text = t! {
    en: "/{command} works in a group, not here: add me to your group as an administrator, then send /{command} there.",
    ru: "Команда /{command} работает в группе, а не здесь: добавьте меня в свою группу администратором и отправьте /{command} там.",
};

pub const WARNING: Text = t! {
    en: "{name}, to write in this group, join {channels} first, then press “I have joined”.",
    ru: "{name}, чтобы писать в этой группе, подпишитесь на {channels}, затем нажмите «Я подписался».",
};
pub const JOINED_BUTTON: Text = t! {
    en: "✅ I have joined",
    ru: "✅ Я подписался",
};
pub const JOIN_BUTTON: Text = t! {
    en: "Join {channel}",
    ru: "Подписаться на {channel}",
};
pub const NOT_YOUR_BUTTON: Text = t! {
    en: "This button is not for you.",
    ru: "Эта кнопка не для вас.",
};
pub const STILL_MISSING: Text = t! {
    en: "You are not subscribed to {channels} yet.",
    ru: "Вы ещё не подписаны на {channels}.",
};
pub const VERIFIED: Text = t! {
    en: "Thank you! You can write in the group now.",
    ru: "Спасибо! Теперь вы можете писать в группе.",
};

/// To someone whose request to join a protected group is held (`join_requests: hold`), in their
/// private chat: the group and the channels to join first.
pub const JOIN_REQUEST_HELD: Text = t! {
    en: "To join <b>{group}</b>, subscribe to {channels} first, then press “I have joined”.",
    ru: "Чтобы вступить в <b>{group}</b>, сначала подпишитесь на {channels}, затем нажмите «Я подписался».",
};
/// The held request was approved from the "I have joined" button.
pub const JOIN_REQUEST_APPROVED: Text = t! {
    en: "Thank you! Your request to join is approved.",
    ru: "Спасибо! Ваша заявка на вступление одобрена.",
};
/// The held request is no longer pending (an admin decided it, or it was withdrawn).
pub const JOIN_REQUEST_GONE: Text = t! {
    en: "This request to join is no longer pending.",
    ru: "Эта заявка на вступление уже не ожидает решения.",
};

pub const DEGRADED: Text = t! {
    en: "⚠️ I cannot fully protect this group right now:",
    ru: "⚠️ Сейчас я не могу полноценно защищать эту группу:",
};
pub const DEGRADED_NOT_GROUP_ADMIN: Text = t! {
    en: "I am no longer an administrator of this group.",
    ru: "Я больше не администратор этой группы.",
};
pub const DEGRADED_GROUP_RIGHTS: Text = t! {
    en: "I need the right {rights} in this group.",
    ru: "Мне нужно право {rights} в этой группе.",
};
pub const DEGRADED_CHANNEL: Text = t! {
    en: "I am no longer an administrator of {channel}, so I cannot see who is subscribed.",
    ru: "Я больше не администратор {channel} и не вижу, кто подписан.",
};
pub const RESTORED: Text = t! {
    en: "✅ The protection works again: I have every right I need.",
    ru: "✅ Защита снова работает: все нужные права у меня есть.",
};
pub const HELLO_GROUP: Text = t! {
    en: "Hello! I keep this group for subscribers of your channels. To set me up: make me an administrator here with the rights “Ban users” and “Delete messages”, make me an administrator of each channel, then send <code>/protect @channel</code>.",
    ru: "Привет! Я пускаю писать в эту группу только подписчиков ваших каналов. Чтобы настроить: сделайте меня администратором здесь с правами «Блокировка пользователей» и «Удаление сообщений», сделайте меня администратором каждого канала и отправьте <code>/protect @канал</code>.",
};
pub const READY_GROUP: Text = t! {
    en: "Thank you, I have the rights I need here. Now make me an administrator of your channel and send <code>/protect @channel</code>.",
    ru: "Спасибо, нужные права у меня есть. Теперь сделайте меня администратором вашего канала и отправьте <code>/protect @канал</code>.",
};
pub const SUBSCRIBED: Text = t! {
    en: "Thank you! You are subscribed.",
    ru: "Спасибо! Вы подписаны.",
};
/// After "lift the restrictions I imposed" (`lift:all`): how many were lifted.
pub const LIFTED: lambdagram::i18n::Plural = plural! {
    en: [
        "I lifted {count} restriction I had imposed.",
        "I lifted {count} restrictions I had imposed.",
    ],
    ru: [
        "Снято {count} ограничение, наложенное мной.",
        "Снято {count} ограничения, наложенных мной.",
        "Снято {count} ограничений, наложенных мной.",
    ],
};
/// When the time ran out before every restriction was lifted.
pub const LIFT_MORE: Text = t! {
    en: "{count} left: press the button again.",
    ru: "Осталось: {count}. Нажмите кнопку ещё раз.",
};

// /start, /help and unknown commands.
pub const WELCOME_NEW: Text = t! {
    en: "Hello, {name}! I am {bot}. Send /help to see what I can do.",
    ru: "Привет, {name}! Я {bot}. Отправьте /help, чтобы узнать, что я умею.",
};
pub const WELCOME_BACK: Text = t! {
    en: "Welcome back, {name}! Send /help to see what I can do.",
    ru: "С возвращением, {name}! Отправьте /help, чтобы узнать, что я умею.",
};
pub const HELP_HEADER: Text = t! {
    en: "Commands:",
    ru: "Команды:",
};
pub const UNKNOWN_COMMAND: Text = t! {
    en: "I don't know the command /{command}. Send /help for the list of commands.",
    ru: "Я не знаю команду /{command}. Отправьте /help, чтобы увидеть список команд.",
};

pub const CMD_START: Text = t! {
    en: "register and say hello",
    ru: "зарегистрироваться и поздороваться",
};
pub const CMD_FORGET: Text = t! {
    en: "erase what the bot keeps about you",
    ru: "стереть то, что бот хранит о вас",
};
pub const CMD_HELP: Text = t! {
    en: "list the commands",
    ru: "список команд",
};
