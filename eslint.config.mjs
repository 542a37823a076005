// @ts-check
import tseslint from 'typescript-eslint';

const pureLayerRule = {
  'no-restricted-imports': [
    'error',
    {
      paths: [
        { name: 'vscode', message: 'kernel/, image/ and lab/ must not depend on VS Code.' },
        { name: 'fs', message: 'kernel/, image/ and lab/ take bytes in and give bytes out.' },
        { name: 'node:fs', message: 'kernel/, image/ and lab/ take bytes in and give bytes out.' },
        {
          name: 'fs/promises',
          message: 'kernel/, image/ and lab/ take bytes in and give bytes out.',
        },
        {
          name: 'node:fs/promises',
          message: 'kernel/, image/ and lab/ take bytes in and give bytes out.',
        },
      ],
    },
  ],
  'no-restricted-globals': ['error', 'window', 'document', 'navigator'],
};

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'dist/**',
      'coverage/**',
      '.vscode-test/**',
      '.bench/**',
      'test-artifacts/**',
      'extension/image/generated/**',
    ],
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-eval': 'error',
      'no-implied-eval': 'error',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: [
      'extension/kernel/**/*.ts',
      'extension/image/**/*.ts',
      'extension/lab/**/*.ts',
      'extension/criu/**/*.ts',
    ],
    rules: pureLayerRule,
  },
);
