// form-js's own words in the page's language: Chinese for zh-CN, form-js's English otherwise.
//
// form-js 1.x has no translation service (bpmn-io/form-js#77 and #443 are open; the viewer's texts are
// English literals). Two places say them:
//  - the validator: its messages are translated where they are made, by wrapping the `validator`
//    service, so form.submit()'s errors and the messages under the fields are both Chinese;
//  - the components: buttons, placeholders and empty-list texts. These are translated as preact builds
//    the elements (options.vnode, before anything reaches the DOM), for exact form-js strings only.
// frontend/test/form-translations.test.mjs checks that every English text below is still in the form-js
// version we bundle, so an upgrade that rewords one fails the tests instead of silently showing English.
import { options } from 'preact';

/** English text as form-js writes it -> Chinese. */
export const ZH_TEXTS = {
  // validator
  'Field is required.': '此项为必填项。',
  'Field must be a valid email.': '请填写有效的电子邮箱地址。',
  'Field must be a valid  international phone number. (e.g. +4930664040900)': '请填写有效的国际电话号码（如 +8613800138000）。',
  'Value is not a number.': '请填写数字。',
  'Min validation value is not a valid number.': '表单设置有误：最小值不是数字。',
  'Max validation value is not a valid number.': '表单设置有误：最大值不是数字。',
  'Date and time must both be entered.': '日期和时间都需要填写。',
  // components
  'Select': '请选择',
  'Search': '搜索',
  'No results': '没有匹配的选项',
  'All values selected': '已全部选择',
  'Remove tag': '移除',
  'Skip to search': '跳到搜索',
  'Browse': '选择文件',
  'No files selected': '未选择文件',
  'Add new': '添加一项',
  'Collapse': '收起',
  'Increment': '增加',
  'Decrement': '减少',
  'Nothing to show.': '没有可显示的内容。',
  'Previous page': '上一页',
  'Next page': '下一页',
  'This is an image placeholder': '图片占位',
  'Click to remove sorting': '点击取消排序'
};

/** Texts with values in them: [form-js pattern, Chinese]. */
export const ZH_PATTERNS = [
  [ /^Field must match pattern ([^]*)\.$/, () => '格式不正确。' ],
  [ /^Field must have minimum length of (.+)\.$/, (n) => `至少需要 ${n} 个字符。` ],
  [ /^Field must have maximum length of (.+)\.$/, (n) => `不能超过 ${n} 个字符。` ],
  [ /^Field must have minimum value of (.+)\.$/, (n) => `不能小于 ${n}。` ],
  [ /^Field must have maximum value of (.+)\.$/, (n) => `不能大于 ${n}。` ],
  [ /^Value is expected to be an integer\.$/, () => '应为整数。' ],
  [ /^Value is expected to have at most (\d+) decimal digits?\.$/, (n) => `最多 ${n} 位小数。` ],
  [ /^Please select a valid value, the two nearest valid values are (.+) and (.+)\.$/,
    (below, above) => `请填写有效的数值，最接近的两个是 ${below} 和 ${above}。` ],
  [ /^(\d+) files selected$/, (n) => `已选择 ${n} 个文件` ],
  [ /^Expand all \((\d+)\)$/, (n) => `全部展开（${n}）` ],
  [ /^Remove list item (\d+)$/, (n) => `删除第 ${n} 项` ],
  [ /^Download (.+)$/, (name) => `下载 ${name}` ],
  [ /^Click to sort by (.+) descending$/, (column) => `点击按“${column}”降序排列` ],
  [ /^Click to sort by (.+) ascending$/, (column) => `点击按“${column}”升序排列` ]
];

/** Whether a page language (zh_CN, zh-CN, zh, en, …) reads Chinese. */
export function isChinese(language) {
  return /^zh\b/i.test(String(language || '').replace('_', '-'));
}

/** text -> text in the language (unchanged when not a form-js text, or the language is not Chinese). */
export function translator(language) {
  if (!isChinese(language)) {
    return (text) => text;
  }
  return function translate(text) {
    if (typeof text !== 'string') return text;
    if (Object.prototype.hasOwnProperty.call(ZH_TEXTS, text)) return ZH_TEXTS[text];
    for (const [ pattern, say ] of ZH_PATTERNS) {
      const match = pattern.exec(text);
      if (match) return say(...match.slice(1));
    }
    return text;
  };
}

// --- the components' words: one hook on the preact copy form-js renders with ----------------------------

const PROPS = [ 'placeholder', 'title', 'aria-label', 'alt' ];
let translateElements = null;
const previousHook = options.vnode;

function translateChildren(children) {
  if (typeof children === 'string') return translateElements(children);
  if (Array.isArray(children) && children.some((child) => typeof child === 'string')) {
    return children.map((child) => (typeof child === 'string' ? translateElements(child) : child));
  }
  return children;
}

options.vnode = (vnode) => {
  if (translateElements && typeof vnode.type === 'string' && vnode.props) {
    const props = vnode.props;
    if ('children' in props) props.children = translateChildren(props.children);
    for (const name of PROPS) {
      if (typeof props[name] === 'string') props[name] = translateElements(props[name]);
    }
  }
  if (previousHook) previousHook(vnode);
};

// --- the validator's messages ----------------------------------------------------------------------------

function wrap(validator, method, translate) {
  const original = validator[method];
  if (typeof original !== 'function') return;
  validator[method] = function (...args) {
    return original.apply(this, args).map(translate);
  };
}

/** didi module for one language: the validator's messages and the components' words in it. */
export function translationsModule(language) {
  const translate = translator(language);
  const chinese = isChinese(language);

  function Translations(validator) {
    wrap(validator, 'validateField', translate);
    wrap(validator, 'validateFieldInstance', translate);
    translateElements = chinese ? translate : null;  // one language per page: the newest form's
  }
  Translations.$inject = [ 'validator' ];

  return { __init__: [ 'wuyeflowTranslations' ], wuyeflowTranslations: [ 'type', Translations ] };
}
